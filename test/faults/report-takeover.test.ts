// A report whose instance is SIGKILLed mid-way is taken over by another
// instance once the dead runner's lease runs out, and finishes: progress
// never goes back, and the requester's stream carries it to REPORT_COMPLETED.
import pg from 'pg';
import { freePort } from '../../src/infra/free-port.js';
import { graphql } from '../generated/gql.js';
import { admitted, connectWs, ok, subscribe, type WsConnection } from '../support/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { registerUser } from '../support/fixtures.js';
import { seedHistory } from '../support/history.js';
import { until } from '../support/poll.js';
import { startServer, testEnv, type TestServer } from '../support/server.js';
import { spawnServer, type Spawned } from '../support/spawn.js';

const Request = graphql(`
  mutation TkRequest {
    requestProgressReport {
      id
    }
  }
`);
const Events = graphql(`
  subscription TkEvents($after: String) {
    events(after: $after) {
      id
      type
      payload
    }
  }
`);

let db: TestDatabase;
let survivor: TestServer;
let doomed: Spawned;
const sockets: WsConnection[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  survivor = await startServer({ ...testEnv(db), INSTANCE_NAME: 'survivor' });
}, 60_000);
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  if (doomed && doomed.child.exitCode === null && doomed.child.signalCode === null) doomed.child.kill('SIGKILL');
  await survivor.app.stop();
  await db.drop();
});

it('a report whose instance was killed mid-way is resumed by another instance', async () => {
  const port = await freePort();
  doomed = spawnServer({ ...testEnv(db), LOG_LEVEL: 'info', PORT: String(port), INSTANCE_NAME: 'doomed' });
  await doomed.logLine(/MockMate listening/);
  const user = await registerUser(survivor.url, 'Runner');
  const peer = await registerUser(survivor.url, 'Peer');
  await seedHistory(db, user.id, [peer.id], 40);
  const conn = await admitted(connectWs(survivor.wsUrl, user.token));
  sockets.push(conn);
  const events = subscribe(conn, Events, { after: '0' });
  const next = async () => {
    for (;;) {
      const r = await events.next(30_000);
      expect(r.errors).toBeUndefined();
      if (r.data!.events.type.startsWith('REPORT_'))
        return r.data!.events as { type: string; payload: Record<string, unknown> };
    }
  };

  // Feedback locked: the doomed instance's runner stops at its first read of it, mid-report.
  const lock = new pg.Client({ connectionString: db.url });
  await lock.connect();
  await lock.query('BEGIN');
  await lock.query('LOCK TABLE "Feedback" IN ACCESS EXCLUSIVE MODE');
  const { id } = (await ok(`http://127.0.0.1:${port}/graphql`, Request, {}, { token: user.token }))
    .requestProgressReport;
  const seen = [await next(), await next()];
  expect(seen.map((e) => e.type)).toEqual(['REPORT_STARTED', 'REPORT_PROGRESS']);
  doomed.child.kill('SIGKILL');
  await doomed.exited;
  await lock.query('ROLLBACK');
  await lock.end();

  const [stuck] = await db.query<{ status: string; runner: string }>(
    `SELECT status, runner FROM "Report" WHERE id = $1`,
    [id],
  );
  expect(stuck).toEqual({ status: 'RUNNING', runner: 'doomed' });
  // Nobody renews the dead runner's lease; rather than wait its 30 s, the test lets it run out now.
  await db.query(`UPDATE "Report" SET "leaseUntil" = now() - interval '1 second' WHERE id = $1`, [id]);
  // What the build-reports job runs on every instance.
  await survivor.app.services.reports.runPending();

  for (;;) {
    const e = await next();
    seen.push(e);
    if (e.type === 'REPORT_COMPLETED' || e.type === 'REPORT_FAILED') break;
  }
  expect(seen.at(-1)).toMatchObject({ type: 'REPORT_COMPLETED', payload: { reportId: id } });
  const progress = seen.filter((e) => e.type === 'REPORT_PROGRESS').map((e) => e.payload['progress'] as number);
  for (let n = 1; n < progress.length; n++) {
    expect(progress[n]).toBeGreaterThan(progress[n - 1]!);
    expect(progress[n]! - progress[n - 1]!).toBeLessThanOrEqual(10);
  }
  expect(progress.at(-1)).toBe(100);
  const [done] = await until(async () => {
    const rows = await db.query<{ status: string; runner: string; attempts: number }>(
      `SELECT status, runner, attempts FROM "Report" WHERE id = $1`,
      [id],
    );
    return rows[0]?.status === 'COMPLETED' ? rows : null;
  }, 'the report row to be COMPLETED');
  expect(done).toEqual({ status: 'COMPLETED', runner: 'survivor', attempts: 2 });
}, 120_000);
