// Each test file gets a database of its own on the machine's PostgreSQL, so no
// test depends on another's rows. TEST_DATABASE_URL names the server to use.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env['TEST_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  url: string;
  name: string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** Creates database `name` on the server of `adminUrl`; returns its URL. Also used by the benchmarks' scratch databases. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops database `name`, closing whatever is still connected to it. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.end();
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `mm_test_${randomBytes(6).toString('hex')}`;
  const url = new URL(await createDatabase(ADMIN_URL, name));
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  // drop() ends the pool, then force-drops the database; a client still closing
  // then hears "terminating connection", which must not surface as a test failure.
  pool.on('error', () => {});
  return {
    url: url.toString(),
    name,
    async query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
      return (await pool.query<T>(sql, params)).rows;
    },
    async drop() {
      await pool.end();
      await dropDatabase(ADMIN_URL, name);
    },
  };
}

export interface OutboxEmail {
  subject: string;
  body: string;
  html: string;
  headers: Record<string, string>;
}

/** The emails queued for `email`, oldest first, except the verification email every registration sends. */
export const emailsTo = (db: Pick<TestDatabase, 'query'>, email: string) =>
  db.query<OutboxEmail>(
    `SELECT subject, body, html, headers FROM "EmailOutbox" WHERE "to" = $1 AND body NOT LIKE '%/verify-email?token=%' ORDER BY "createdAt"`,
    [email],
  );
