// Boots real API instances in-process, on a random port, against real
// PostgreSQL and Redis.
import { randomBytes } from 'node:crypto';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from './db.js';
import { registerAdmin, type TestUser } from './fixtures.js';

export interface TestServer {
  app: App;
  url: string;
  wsUrl: string;
}

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-production-0123456789';

export function testEnv(db: Pick<TestDatabase, 'url'>, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    // Lets tests act from distinct client IPs (X-Forwarded-For), as behind nginx.
    TRUST_PROXY: 'true',
    // Rate-limit keys of one test file never meet another's.
    JOBS_ENABLED: process.env['TEST_JOBS'] ?? 'false',
    RATE_LIMIT_PREFIX: `rl:${randomBytes(4).toString('hex')}:`,
    // Test files register all their users from one address; test/security-login.test.ts sets it low to test it.
    REGISTRATIONS_PER_ADDRESS: '100000',
    // Each stack's realtimeStats sees its own instances only.
    REALTIME_STATS_PREFIX: `realtime:${randomBytes(4).toString('hex')}:`,
    // Most tests' clients share one address; the tests of these caps set their own.
    WS_MAX_SOCKETS_PER_ADDRESS: '100000',
    WS_MAX_ANONYMOUS_SOCKETS_PER_ADDRESS: '100000',
    ANONYMOUS_OPERATIONS_PER_MINUTE: '1000000',
    ...extra,
  };
}

/** `port` 0 picks a free one; a fixed one stands in for a stopped instance behind the same address. */
export async function startServer(env: NodeJS.ProcessEnv, fixedPort = 0): Promise<TestServer> {
  const app = await buildApp(loadConfig(env));
  const port = await app.start(fixedPort);
  return { app, url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql` };
}

/** A fresh database and one server on it; `close()` stops the server and drops the database. */
export async function startTestStack(extra: Record<string, string> = {}) {
  const db = await createTestDatabase();
  const env = testEnv(db, extra);
  const server = await startServer(env);
  return {
    db,
    env,
    ...server,
    async close() {
      await server.app.stop();
      await db.drop();
    },
  };
}

export interface TwoInstances {
  db: TestDatabase;
  /** The environment both share (INSTANCE_NAME aside); start more instances with it. */
  env: NodeJS.ProcessEnv;
  a: TestServer;
  b: TestServer;
  /** Registered and verified on A with the ADMIN_EMAILS address. */
  admin: TestUser;
  /** Every instance `close()` stops: A and B, and whatever a test pushes (it removes those it stops). */
  servers: TestServer[];
  close(): Promise<void>;
}

/**
 * A fresh database and two instances on it, named 'a' and 'b', sharing Redis,
 * with `adminEmail` as ADMIN_EMAILS and that admin registered: `extra` goes to
 * both, `aOnly` to A alone. `close()` stops every instance in `servers` and
 * drops the database.
 */
export async function startTwoInstances(
  adminEmail: string,
  extra: Record<string, string> = {},
  aOnly: Record<string, string> = {},
): Promise<TwoInstances> {
  const db = await createTestDatabase();
  const env = testEnv(db, { ADMIN_EMAILS: adminEmail, ...extra });
  const [a, b] = await Promise.all([
    startServer({ ...env, INSTANCE_NAME: 'a', ...aOnly }),
    startServer({ ...env, INSTANCE_NAME: 'b' }),
  ]);
  const servers = [a, b];
  const admin = await registerAdmin(a.url, db.url, adminEmail);
  return {
    db,
    env,
    a,
    b,
    admin,
    servers,
    async close() {
      await Promise.all(servers.map((s) => s.app.stop()));
      await db.drop();
    },
  };
}
