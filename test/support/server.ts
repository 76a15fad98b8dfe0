// Boots real API instances in-process, on a random port, against real
// PostgreSQL and Redis.
import { randomBytes } from 'node:crypto';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from './db.js';

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
    // Each stack's realtimeStats sees its own instances only.
    REALTIME_STATS_PREFIX: `realtime:${randomBytes(4).toString('hex')}:`,
    // Most tests' clients share one address; the tests of these caps set their own.
    WS_MAX_SOCKETS_PER_ADDRESS: '100000',
    WS_MAX_ANONYMOUS_SOCKETS_PER_ADDRESS: '100000',
    ANONYMOUS_OPERATIONS_PER_MINUTE: '1000000',
    ...extra,
  };
}

export async function startServer(env: NodeJS.ProcessEnv): Promise<TestServer> {
  const app = await buildApp(loadConfig(env));
  const port = await app.start(0);
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
