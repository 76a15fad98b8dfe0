// The web app: built into web/dist (served by the API process at `/`), or run
// with hot reload by `npm run dev:web`, proxying /graphql (HTTP and WebSocket)
// to a running server (MOCKMATE_API, default http://localhost:4000). The app
// imports the typed client from ../client (createClient and the documents in
// client/generated), so the dev server may serve files from the repository root.
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env['MOCKMATE_API'] ?? 'http://localhost:4000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    port: Number(process.env['WEB_PORT'] ?? 5173),
    proxy: { '/graphql': { target: api, ws: true, changeOrigin: true } },
    fs: { allow: [path.resolve(import.meta.dirname, '..')] },
  },
});
