// The shared pg pool when PostgreSQL drops a connection in the middle of a
// plain-SQL transaction (a restart, a failover, pg_terminate_backend): the
// transaction fails, the process does not crash, and the pool recovers.
import { createDatabase, sqlTransaction, type Database } from '../src/infra/db.js';
import { migrate } from '../src/infra/migrate.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let testDb: TestDatabase;
let database: Database;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => void uncaught.push(err);

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrate(testDb.url);
  database = createDatabase(testDb.url, 2);
  process.on('uncaughtException', onUncaught);
});

afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await database.close();
  await testDb.drop();
});

it('fails a transaction whose connection is terminated, without an uncaught error, and serves the next query', async () => {
  const failed = sqlTransaction(database.sql, async (tx) => {
    const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await testDb.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await tx.query('SELECT 1');
  });
  await expect(failed).rejects.toThrow();
  // Both pooled connections still work (the dropped one was replaced, not kept checked out).
  const answers = await Promise.all([1, 2].map((n) => database.sql.query<{ n: number }>('SELECT $1::int AS n', [n])));
  expect(answers.map((r) => r.rows[0]!.n)).toEqual([1, 2]);
  expect(await database.db.user.count()).toBe(0);
  expect(uncaught).toEqual([]);
});
