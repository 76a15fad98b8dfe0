// Progress reports over two real instances: requested on one, progress
// events followed on the other, the typed summary, the signed PDF link, one
// running report per user, a database failure mid-way, 500 interviews, and
// myStats' weekly series.
import pg from 'pg';
import { graphql } from './generated/gql.js';
import { admitted, codes, connectWs, gql, ok, subscribe, type WsConnection } from './support/client.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { registerUser, type TestUser } from './support/fixtures.js';
import { seedHistory } from './support/history.js';
import { until } from './support/poll.js';
import { startServer, testEnv, type TestServer } from './support/server.js';

const RequestReport = graphql(`
  mutation RpRequest {
    requestProgressReport {
      id
      status
      progress
      createdAt
    }
  }
`);
const MyReports = graphql(`
  query RpMine($first: Int, $after: String) {
    myReports(first: $first, after: $after) {
      edges {
        node {
          id
          status
          progress
          createdAt
          completedAt
          error
          downloadUrl
          summary {
            interviews
            completed
            cancelled
            noShows
            averageRatings {
              count
              communication
              technical
              problemSolving
            }
            byTypeAndDifficulty {
              type
              difficulty
              interviews
              completed
              ratings {
                count
                communication
              }
            }
            ratingsOverTime {
              at
              interviewId
              type
              difficulty
              communication
              technical
              problemSolving
            }
            trends {
              rating
              samples
              slopePerWeek
              start
              end
            }
            strengths {
              text
              count
            }
            improvements {
              text
              count
            }
            questionsAsked {
              title
              type
              difficulty
              at
            }
            weekly {
              weekStart
              interviews
              completed
              cancelled
              noShows
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
const Events = graphql(`
  subscription RpEvents($after: String) {
    events(after: $after) {
      id
      type
      payload
    }
  }
`);
const Latest = graphql(`
  query RpLatest {
    notifications(first: 1) {
      edges {
        node {
          id
        }
      }
    }
  }
`);
const Stats = graphql(`
  query RpStats {
    myStats {
      completed
      weekly {
        weekStart
        interviews
        completed
        cancelled
        noShows
        ratings {
          count
          communication
        }
      }
    }
  }
`);

let db: TestDatabase;
let a: TestServer;
let b: TestServer;
const sockets: WsConnection[] = [];
let peers: TestUser[];

beforeAll(async () => {
  db = await createTestDatabase();
  const env = testEnv(db);
  [a, b] = await Promise.all([
    startServer({ ...env, INSTANCE_NAME: 'a' }),
    startServer({ ...env, INSTANCE_NAME: 'b' }),
  ]);
  peers = await Promise.all([registerUser(a.url, 'Peer1'), registerUser(a.url, 'Peer2')]);
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await Promise.all([a.app.stop(), b.app.stop()]);
  await db.drop();
});

/** The user's REPORT_* events as they arrive on `server`, from their current cursor on. */
async function reportEvents(server: TestServer, user: TestUser) {
  const conn = await admitted(connectWs(server.wsUrl, user.token));
  sockets.push(conn);
  const latest = await ok(server.url, Latest, {}, { token: user.token });
  const sub = subscribe(conn, Events, { after: latest.notifications.edges[0]?.node.id ?? '0' });
  return {
    async next(timeoutMs = 30_000) {
      const r = await sub.next(timeoutMs);
      expect(r.errors).toBeUndefined();
      return r.data!.events as { type: string; payload: Record<string, unknown> };
    },
    /** Every REPORT_* event up to and including REPORT_COMPLETED or REPORT_FAILED. */
    async untilDone(timeoutMs = 30_000) {
      const seen: { type: string; payload: Record<string, unknown> }[] = [];
      for (;;) {
        const e = await this.next(timeoutMs);
        if (!e.type.startsWith('REPORT_')) continue;
        seen.push(e);
        if (e.type === 'REPORT_COMPLETED' || e.type === 'REPORT_FAILED') return seen;
      }
    },
  };
}

/** Progress values in order; asserts they never go back and never jump more than 10. */
function expectSteadyProgress(events: { type: string; payload: Record<string, unknown> }[]) {
  const progress = events.filter((e) => e.type === 'REPORT_PROGRESS').map((e) => e.payload['progress'] as number);
  let last = 0;
  for (const p of progress) {
    expect(p).toBeGreaterThanOrEqual(last);
    expect(p - last).toBeLessThanOrEqual(10);
    last = p;
  }
  return progress;
}

const reports = async (user: TestUser, server = a) =>
  (await ok(server.url, MyReports, { first: 10 }, { token: user.token })).myReports.edges.map((e) => e.node);
const origin = (server: TestServer) => server.url.replace(/\/graphql$/, '');

/** Holds an ACCESS EXCLUSIVE lock on Feedback, which every report reads after its first step. */
async function lockFeedback() {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE "Feedback" IN ACCESS EXCLUSIVE MODE');
  const waiting = () =>
    until(
      async () => {
        const rows = await db.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%Feedback%'`,
        );
        return rows[0]?.pid;
      },
      'a report blocked on Feedback',
      20_000,
    );
  return { waiting, release: () => client.query('ROLLBACK').then(() => client.end()) };
}

it('builds the report on one instance while the other streams its progress; summary, PDF link and weekly stats', async () => {
  const user = await registerUser(a.url, 'Reporter');
  await seedHistory(
    db,
    user.id,
    peers.map((p) => p.id),
    12,
  );
  const events = await reportEvents(b, user);
  const requested = (await ok(a.url, RequestReport, {}, { token: user.token })).requestProgressReport;
  expect(['PENDING', 'RUNNING', 'COMPLETED']).toContain(requested.status);

  const seen = await events.untilDone();
  expect(seen[0]).toMatchObject({ type: 'REPORT_STARTED', payload: { reportId: requested.id, attempt: 1 } });
  expect(seen.at(-1)).toMatchObject({ type: 'REPORT_COMPLETED', payload: { reportId: requested.id } });
  const progress = expectSteadyProgress(seen);
  expect(progress.at(-1)).toBe(100);
  expect(progress.length).toBeGreaterThanOrEqual(10);

  const [report] = await reports(user, b);
  expect(report).toMatchObject({ id: requested.id, status: 'COMPLETED', progress: 100, error: null });
  const s = report!.summary!;
  expect(s).toMatchObject({ interviews: 12, completed: 11, cancelled: 1, noShows: 0 });
  expect(s.averageRatings.count).toBe(11);
  expect(s.ratingsOverTime).toHaveLength(11);
  expect(s.questionsAsked).toHaveLength(11);
  // "Clear communication" and "clear communication." are one remark, written six times.
  expect(s.strengths[0]).toEqual({ text: 'Clear communication', count: 6 });
  expect(s.trends.map((t) => t.rating)).toEqual(['COMMUNICATION', 'TECHNICAL', 'PROBLEM_SOLVING']);
  expect(s.trends[0]!.slopePerWeek).toBeGreaterThan(0);
  expect(s.byTypeAndDifficulty.reduce((n, g) => n + g.interviews, 0)).toBe(12);
  expect(s.weekly.reduce((n, w) => n + w.interviews, 0)).toBe(12);

  // The link works on either instance, and only as signed and until it expires.
  for (const server of [a, b]) {
    const res = await fetch(origin(server) + report!.downloadUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');
    expect(body.length).toBeGreaterThan(10_000);
  }
  expect((await fetch(origin(a) + report!.downloadUrl!.replace(/signature=./, 'signature=A'))).status).toBe(403);
  const expired = a.app.services.reports.downloadUrl(
    { id: report!.id, status: 'COMPLETED' },
    Date.now() - 16 * 60_000,
  )!;
  expect((await fetch(origin(a) + expired)).status).toBe(403);
  expect((await fetch(`${origin(a)}/reports/${report!.id}.pdf`)).status).toBe(403);

  const stats = (await ok(a.url, Stats, {}, { token: user.token })).myStats;
  expect(stats.weekly.reduce((n, w) => n + w.interviews, 0)).toBe(12);
  expect(stats.weekly.reduce((n, w) => n + w.completed, 0)).toBe(stats.completed);
  expect(stats.weekly.reduce((n, w) => n + w.ratings.count, 0)).toBe(11);
  for (let n = 1; n < stats.weekly.length; n++) {
    expect(new Date(stats.weekly[n]!.weekStart).getTime() - new Date(stats.weekly[n - 1]!.weekStart).getTime()).toBe(
      7 * 86_400_000,
    );
  }
  expect(new Date(stats.weekly[0]!.weekStart).getUTCDay()).toBe(1);
}, 120_000);

it('one running report per user: a second request, on either instance, returns the running one', async () => {
  const user = await registerUser(a.url);
  await seedHistory(db, user.id, [peers[0]!.id], 3);
  const lock = await lockFeedback();
  try {
    const [first, second] = await Promise.all([
      ok(a.url, RequestReport, {}, { token: user.token }),
      ok(b.url, RequestReport, {}, { token: user.token }),
    ]);
    expect(second.requestProgressReport.id).toBe(first.requestProgressReport.id);
    await lock.waiting();
    const third = (await ok(b.url, RequestReport, {}, { token: user.token })).requestProgressReport;
    expect(third).toMatchObject({ id: first.requestProgressReport.id, status: 'RUNNING' });
  } finally {
    await lock.release();
  }
  await until(async () => (await reports(user))[0]?.status === 'COMPLETED', 'the report to complete', 30_000);
  // Once it is done, a new request makes a new report.
  const next = (await ok(a.url, RequestReport, {}, { token: user.token })).requestProgressReport;
  expect(next.id).not.toBe((await reports(user)).at(-1)!.id);
}, 90_000);

it('a database failure mid-way ends the report FAILED with REPORT_FAILED, never stuck RUNNING', async () => {
  const user = await registerUser(a.url);
  await seedHistory(db, user.id, [peers[1]!.id], 5);
  const events = await reportEvents(a, user);
  const lock = await lockFeedback();
  let id: string;
  try {
    id = (await ok(a.url, RequestReport, {}, { token: user.token })).requestProgressReport.id;
    // The report's connection is cut while it reads: the database went away under it.
    const pid = await lock.waiting();
    await db.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await lock.release();
  }
  const seen = await events.untilDone();
  expect(seen[0]!.type).toBe('REPORT_STARTED');
  expect(seen.some((e) => e.type === 'REPORT_PROGRESS')).toBe(true);
  expect(seen.at(-1)).toMatchObject({ type: 'REPORT_FAILED', payload: { reportId: id! } });
  expect(String(seen.at(-1)!.payload['reason'])).not.toMatch(/select|terminat|prisma/i);
  const [report] = await reports(user);
  expect(report).toMatchObject({ id: id!, status: 'FAILED', downloadUrl: null, summary: null });
  expect(report!.error).toBeTruthy();
  expect(report!.completedAt).not.toBeNull();
}, 90_000);

it('a report over 500 interviews finishes with progress all the way', async () => {
  const user = await registerUser(a.url, 'Veteran');
  const expected = await seedHistory(
    db,
    user.id,
    peers.map((p) => p.id),
    500,
  );
  const events = await reportEvents(b, user);
  const started = performance.now();
  await ok(a.url, RequestReport, {}, { token: user.token });
  const seen = await events.untilDone(60_000);
  const ms = Math.round(performance.now() - started);
  expect(seen.at(-1)!.type).toBe('REPORT_COMPLETED');
  const progress = expectSteadyProgress(seen);
  expect(progress.at(-1)).toBe(100);
  const [report] = await reports(user);
  expect(report!.summary).toMatchObject({ interviews: 500, ...expected });
  expect(report!.summary!.questionsAsked).toHaveLength(expected.completed);
  // Measured, not asserted: the closing note quotes it.
  console.log(`500-interview report: ${ms} ms from request to REPORT_COMPLETED (${progress.length} progress events)`);
}, 120_000);

it('signed-out callers are refused', async () => {
  expect(codes(await gql(a.url, RequestReport, {}))).toEqual(['UNAUTHENTICATED']);
  expect(codes(await gql(a.url, MyReports, {}))).toEqual(['UNAUTHENTICATED']);
});
