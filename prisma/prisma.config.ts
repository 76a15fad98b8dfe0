// Prisma runs without its downloadable engines here: the JS client engine over
// a pg pool (adapter-pg). The CLI only needs a syntactically valid URL to
// generate; the server passes its own URL at runtime.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/mockmate';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(import.meta.dirname, 'schema.prisma'),
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL });
  },
});
