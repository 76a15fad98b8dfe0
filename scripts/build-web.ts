// Builds the web app into web/dist with Vite. Run by `npm install` (postinstall)
// and, when web/dist is missing, by `npm start`; `npm run build:web` forces it.
// Skips quietly where Vite is not installed (an --omit=dev install that copies
// a web/dist built elsewhere, as the Dockerfile does).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const config = fileURLToPath(new URL('../web/vite.config.ts', import.meta.url));
const dist = fileURLToPath(new URL('../web/dist/index.html', import.meta.url));
const onlyIfMissing = process.argv.includes('--if-missing');

if (onlyIfMissing && fs.existsSync(dist)) process.exit(0);
if (!fs.existsSync(config)) process.exit(0);
let vite: typeof import('vite');
try {
  vite = await import('vite');
} catch {
  console.log('build-web: vite is not installed (production install); serving the web/dist that exists, if any');
  process.exit(0);
}
await vite.build({ configFile: config, logLevel: 'warn' });
console.log('build-web: web app built into web/dist');
