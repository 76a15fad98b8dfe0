// The real entry point (src/main.ts) as a child process: graceful shutdown on
// SIGTERM, a clear exit when the port is taken, and on invalid configuration.
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { graphql } from './generated/gql.js';
import { connectWs, subscribe } from './support/client.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { testEnv } from './support/server.js';
import { spawnServer, within } from './support/spawn.js';
import { freePort } from '../src/infra/free-port.js';

const Typename = graphql(`
  query ShutdownPing {
    __typename
  }
`);

// Each test starts the real entry point (tsx compiles the app first): a few
// seconds alone, more on a loaded CI machine.
const SPAWN_TIMEOUT_MS = 60_000;

let db: TestDatabase;
const children: ChildProcess[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await db.drop();
});

const start = (extra: Record<string, string>) => {
  const s = spawnServer(testEnv(db, { LOG_LEVEL: 'info', ...extra }));
  children.push(s.child);
  return s;
};

describe('SIGTERM', () => {
  it(
    'finishes in-flight requests, closes sockets with 1001 and exits 0 within 10 s',
    async () => {
      const port = await freePort();
      const server = start({ PORT: String(port) });
      const listening = await within(server.logLine(/listening/), 20_000, 'start');
      expect(listening['port']).toBe(port);

      const ws = connectWs(`ws://127.0.0.1:${port}/graphql`);
      const ping = subscribe(ws, Typename);
      expect((await ping.next()).data).toEqual({ __typename: 'Query' });

      // An HTTP request the server has accepted (it answered 100 Continue) whose
      // body is not sent yet: it is in flight until the test sends the body.
      const body = JSON.stringify({ query: '{ __typename }' });
      const req = http.request({
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          expect: '100-continue',
        },
      });
      const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
        req.once('response', (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.once('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.once('error', reject);
      });
      response.catch(() => {}); // awaited below; a failure must not surface as an unhandled rejection first
      await new Promise<void>((resolve) => req.once('continue', resolve));

      const signalledAt = performance.now();
      server.child.kill('SIGTERM');
      await within(server.logLine(/shutting down/), 5_000, 'shutdown log');
      expect(await within(ws.closed, 5_000, 'socket close')).toMatchObject({ code: 1001 });

      req.end(body);
      const res = await within(response, 5_000, 'in-flight response');
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({ data: { __typename: 'Query' } });

      const exit = await within(server.exited, 10_000, 'exit');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(performance.now() - signalledAt).toBeLessThan(10_000);
      await expect(server.logLine(/stopped/)).resolves.toBeTruthy();
    },
    SPAWN_TIMEOUT_MS,
  );
});

describe('npm start, as the Dockerfile runs it', () => {
  it(
    'passes SIGTERM on to the server, which stops cleanly and makes npm exit 0',
    async () => {
      const port = await freePort();
      const server = spawnServer(
        testEnv(db, { LOG_LEVEL: 'info', PORT: String(port), NPM_CONFIG_SCRIPT_SHELL: '/bin/bash' }),
        ['npm', 'start'],
      );
      children.push(server.child);
      await within(server.logLine(/listening/), 20_000, 'start');
      const ws = connectWs(`ws://127.0.0.1:${port}/graphql`);
      expect((await subscribe(ws, Typename).next()).data).toEqual({ __typename: 'Query' });

      server.child.kill('SIGTERM'); // to npm, as `docker stop` does to PID 1
      expect(await within(ws.closed, 10_000, 'socket close')).toMatchObject({ code: 1001 });
      expect(await within(server.exited, 10_000, 'exit')).toEqual({ code: 0, signal: null });
      await expect(server.logLine(/stopped/)).resolves.toBeTruthy();
    },
    SPAWN_TIMEOUT_MS,
  );
});

describe('SIGTERM during start-up', () => {
  it(
    'lets the start finish, then stops cleanly with exit 0',
    async () => {
      // A database of its own, so that the start logs "migrations applied" while still starting.
      const fresh = await createTestDatabase();
      try {
        const server = spawnServer(testEnv(fresh, { LOG_LEVEL: 'info', PORT: String(await freePort()) }));
        children.push(server.child);
        await within(server.logLine(/migrations applied/), 20_000, 'migrations');
        server.child.kill('SIGTERM');
        expect(await within(server.exited, 15_000, 'exit')).toEqual({ code: 0, signal: null });
        await expect(server.logLine(/stopped/)).resolves.toBeTruthy();
      } finally {
        await fresh.drop();
      }
    },
    SPAWN_TIMEOUT_MS,
  );
});

describe('start-up failures', () => {
  it(
    'exits 1 with one stderr line naming the port when it is in use',
    async () => {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, resolve));
      const port = (blocker.address() as net.AddressInfo).port;
      try {
        const server = start({ PORT: String(port) });
        const exit = await within(server.exited, 45_000, 'exit');
        expect(exit.code).toBe(1);
        const lines = server.stderr().trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(String(port));
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    },
    SPAWN_TIMEOUT_MS,
  );

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['JWT_SECRET', { NODE_ENV: 'production', JWT_SECRET: '' }],
    ['JWT_SECRET', { NODE_ENV: 'production', JWT_SECRET: 'too-short' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/x' }],
  ])(
    'exits 1 naming %s when the configuration is invalid',
    async (variable, extra) => {
      const server = start(extra);
      const exit = await within(server.exited, 45_000, 'exit');
      expect(exit.code).toBe(1);
      expect(server.stderr()).toContain(variable);
      expect(server.stderr()).not.toMatch(/\n\s+at /); // a message, not a stack trace
    },
    SPAWN_TIMEOUT_MS,
  );
});
