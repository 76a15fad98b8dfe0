// `npm run db:seed` against a fresh database, run twice, then used to sign in.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { graphql } from './generated/gql.js';
import { ok } from './support/client.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { startServer, testEnv, type TestServer } from './support/server.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

const SeedLogin = graphql(`
  mutation SeedLogin($input: LoginInput!) {
    login(input: $input) {
      user {
        id
        name
        role
      }
    }
  }
`);

let db: TestDatabase;
let server: TestServer | undefined;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await server?.app.stop();
  await db.drop();
});

const seed = (env: Record<string, string> = {}) =>
  run(TSX, ['prisma/seed.ts'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', DATABASE_URL: db.url, ...env },
  });

it('migrates a fresh database, seeds users once however often it runs, and they can sign in', async () => {
  const first = await seed();
  expect(first.stdout).toContain('password "mockmate-dev"');
  await seed();
  const users = await db.query<{ email: string; role: string; passwordHash: string }>(
    'SELECT email, role, "passwordHash" FROM "User" ORDER BY email',
  );
  expect(users.length).toBeGreaterThanOrEqual(3);
  expect(new Set(users.map((u) => u.email)).size).toBe(users.length);
  expect(users.find((u) => u.email === 'admin@mockmate.local')?.role).toBe('ADMIN');
  for (const u of users) expect(u.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

  server = await startServer(testEnv(db, { ADMIN_EMAILS: 'admin@mockmate.local' }));
  const alice = await ok(server.url, SeedLogin, { input: { email: 'alice@mockmate.local', password: 'mockmate-dev' } });
  expect(alice.login.user).toMatchObject({ name: 'Alice Anders', role: 'USER' });
  const admin = await ok(server.url, SeedLogin, { input: { email: 'admin@mockmate.local', password: 'mockmate-dev' } });
  expect(admin.login.user.role).toBe('ADMIN');
}, 60_000); // runs the seed script twice as a child process

it('refuses to run without DATABASE_URL or in production', async () => {
  await expect(seed({ DATABASE_URL: '' })).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringContaining('DATABASE_URL'),
  });
  await expect(seed({ NODE_ENV: 'production' })).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringContaining('production'),
  });
}, 60_000);
