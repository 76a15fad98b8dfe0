// The migration runner against real PostgreSQL: what it records must match
// what `prisma migrate deploy` records, and it must be safe to run from two
// instances at once.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS_DIR, MigrationError, migrate } from '../src/infra/migrate.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

interface Row {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

/** The checked-in migrations, read independently of the runner. */
const files = fs
  .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort()
  .map((name) => ({
    name,
    checksum: createHash('sha256')
      .update(fs.readFileSync(path.join(MIGRATIONS_DIR, name, 'migration.sql')))
      .digest('hex'),
  }));

const rows = (db: TestDatabase) => db.query<Row>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name');

const databases: TestDatabase[] = [];
const freshDb = async () => {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
};
afterAll(() => Promise.all(databases.map((d) => d.drop())));

it('has migrations to test', () => {
  expect(files.length).toBeGreaterThanOrEqual(2);
  for (const f of files) expect(f.name).toMatch(/^\d{14}_[a-z0-9_]+$/);
});

describe('on a fresh database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDb();
  });

  it('applies every migration in order and records it as Prisma does', async () => {
    expect(await migrate(db.url)).toEqual(files.map((f) => f.name));
    const recorded = await rows(db);
    expect(recorded.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, r] of recorded.entries()) {
      expect(r.checksum).toBe(files[i]!.checksum);
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(r.finished_at!.getTime()).toBeGreaterThanOrEqual(r.started_at.getTime());
      expect(r.applied_steps_count).toBe(1);
      expect(r.rolled_back_at).toBeNull();
      expect(r.logs).toBeNull();
    }
    // What the migrations create is there (User from the first, Agenda's table from its own).
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['User', 'Session', 'EmailOutbox']));
  });

  it("creates _prisma_migrations with Prisma's column types", async () => {
    const columns = await db.query<{ column_name: string; data_type: string; is_nullable: string; len: number | null }>(
      `SELECT column_name, data_type, is_nullable, character_maximum_length AS len
       FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', is_nullable: 'NO', len: 36 },
      { column_name: 'checksum', data_type: 'character varying', is_nullable: 'NO', len: 64 },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', is_nullable: 'YES', len: null },
      { column_name: 'migration_name', data_type: 'character varying', is_nullable: 'NO', len: 255 },
      { column_name: 'logs', data_type: 'text', is_nullable: 'YES', len: null },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', is_nullable: 'YES', len: null },
      { column_name: 'started_at', data_type: 'timestamp with time zone', is_nullable: 'NO', len: null },
      { column_name: 'applied_steps_count', data_type: 'integer', is_nullable: 'NO', len: null },
    ]);
  });

  it('applies nothing the second time', async () => {
    const before = await rows(db);
    expect(await migrate(db.url)).toEqual([]);
    expect(await rows(db)).toEqual(before);
  });

  it('refuses to go on when an applied migration was edited, naming it', async () => {
    const target = files[0]!.name;
    await db.query(`UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2`, ['0'.repeat(64), target]);
    const attempt = migrate(db.url);
    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(attempt).rejects.toThrow(new RegExp(`${target}.*checksum`));
    await db.query(`UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2`, [
      files[0]!.checksum,
      target,
    ]);
    expect(await migrate(db.url)).toEqual([]);
  });

  it('refuses to go on past a migration that started but never finished', async () => {
    const target = files[files.length - 1]!.name;
    await db.query(`UPDATE "_prisma_migrations" SET finished_at = NULL WHERE migration_name = $1`, [target]);
    await expect(migrate(db.url)).rejects.toThrow(new RegExp(`${target}.*never finished`));
    await db.query(`UPDATE "_prisma_migrations" SET finished_at = now() WHERE migration_name = $1`, [target]);
  });
});

it('two instances migrating one fresh database at once both succeed, each migration applied once', async () => {
  const db = await freshDb();
  const [a, b] = await Promise.all([migrate(db.url), migrate(db.url)]);
  // One did all the work; the other waited on the lock and found nothing to do.
  expect([...a, ...b].sort()).toEqual(files.map((f) => f.name));
  expect([a.length, b.length].sort()).toEqual([0, files.length]);
  const counts = await db.query<{ migration_name: string; n: number }>(
    'SELECT migration_name, count(*)::int AS n FROM "_prisma_migrations" GROUP BY migration_name ORDER BY migration_name',
  );
  expect(counts).toEqual(files.map((f) => ({ migration_name: f.name, n: 1 })));
});

describe('a failing migration', () => {
  let dir: string;
  const write = (name: string, sql: string) => {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-migrations-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('rolls back entirely, records nothing for it, keeps the ones before, and can be fixed', async () => {
    const db = await freshDb();
    write('20990101000000_good', 'CREATE TABLE good_table (id int PRIMARY KEY);');
    write('20990101000100_bad', 'CREATE TABLE half_done (id int);\nINSERT INTO no_such_table VALUES (1);');

    const attempt = migrate(db.url, dir);
    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(attempt).rejects.toThrow(/20990101000100_bad failed: .*no_such_table/);

    expect((await rows(db)).map((r) => r.migration_name)).toEqual(['20990101000000_good']);
    const tables = await db.query<{ t: string | null }>(
      "SELECT to_regclass('public.good_table')::text AS t UNION ALL SELECT to_regclass('public.half_done')::text",
    );
    expect(tables.map((r) => r.t)).toEqual(['good_table', null]);

    // The lock was released and the fixed file applies.
    write('20990101000100_bad', 'CREATE TABLE half_done (id int);');
    expect(await migrate(db.url, dir)).toEqual(['20990101000100_bad']);
    expect((await rows(db)).map((r) => [r.migration_name, r.applied_steps_count])).toEqual([
      ['20990101000000_good', 1],
      ['20990101000100_bad', 1],
    ]);
  });
});
