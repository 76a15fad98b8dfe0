// `npm run db:migrate`: applies pending migrations to DATABASE_URL.
import { migrate } from '../src/infra/migrate.js';

const url = process.env['DATABASE_URL'];
if (!url) {
  console.error('DATABASE_URL is required (the server migrates its embedded database by itself).');
  process.exit(1);
}
migrate(url).then(
  (applied) => console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date'),
  (err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  },
);
