// npm run bench:chat — chat end to end against what a team would build
// instead: a Socket.IO 4 server (redis-adapter) that inserts each message into
// PostgreSQL and then emits it to the peer's room (bench/baseline-servers.ts,
// `sio-chat`). PAIRS interviews under way, both users of each with one socket;
// messages go over each stack's own transport: MockMate's `sendMessage` over
// HTTP (the peer's `events` subscription gets MESSAGE_SENT), Socket.IO's emit
// with an ack (the peer's socket gets the message).
//
// Phases per server, on the same sockets:
//   peak   closed loop for PEAK_S: every user sends its next message when the
//          previous one was accepted; throughput = accepted messages / PEAK_S;
//   paced  open loop at half of that server's own peak for PACED_S: p99 from
//          send to the peer's receipt (target < 100 ms).
// Every accepted message must reach the peer exactly once (else the run is invalid).
//
// What MockMate does per message and the baseline does not: a membership check
// and the interview lock, the rate limit (Redis), the message row AND a stored
// MESSAGE_SENT event with the peer's cursor bumped (so it survives reconnects:
// `events(after:)` replays it), one transaction for all of it.
//
// Settings (env or --name=value): PAIRS=1000 PEAK_S=20 PACED_S=20 CLIENT_PROCS=2 SERVERS=mockmate,socketio
// MOCKMATE_SEND=http (the official transport) or ws: an extra data point, sendMessage as a
// mutation on each user's own graphql-ws socket instead of an HTTP request.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CLIENT_CPUS,
  SERVER_CPUS,
  REDIS_URL,
  cpuPercent,
  insertSlot,
  insertUsers,
  int,
  intSetting,
  main,
  mergeSorted,
  mintTokens,
  msf,
  percentile,
  procStats,
  processLine,
  ratio,
  reportHeader,
  sleep,
  spawnChild,
  strSetting,
  table,
  unpackFloats,
  verdict,
  waitDbIdle,
  type Child,
} from './support.js';
import { startBench } from './scratch-app.js';

const PAIRS = intSetting('PAIRS', 1000);
const PEAK_S = intSetting('PEAK_S', 20);
const PACED_S = intSetting('PACED_S', 20);
const PROCS = Math.max(1, intSetting('CLIENT_PROCS', 2));
const SERVERS = strSetting('SERVERS', 'mockmate,socketio').split(',');
const MOCKMATE_SEND = strSetting('MOCKMATE_SEND', 'http') === 'ws' ? 'ws' : 'http';
const LABEL: Record<string, string> = {
  mockmate:
    MOCKMATE_SEND === 'ws'
      ? 'MockMate (sendMessage and events over graphql-ws)'
      : 'MockMate (sendMessage over HTTP, events over graphql-ws)',
  socketio: 'Socket.IO 4 + PostgreSQL insert',
};

interface Report {
  sent: number;
  failed: number;
  failures: Record<string, number>;
  received: number;
  duplicates: number;
  lost: number;
  unknown: number;
  latencies: string;
}

interface Phase {
  sent: number;
  failed: number;
  failures: Record<string, number>;
  received: number;
  duplicates: number;
  seconds: number;
  rate: number;
  /** Server CPU time per accepted message. */
  cpuPerMessageMs: number;
  p50: number;
  p99: number;
  max: number;
  serverCpu: number;
  clientCpu: number;
}

interface Result {
  kind: string;
  ready: number;
  peak: Phase;
  paced: Phase & { target: number };
  lost: number;
  unknown: number;
}

await main(async () => {
  const started = new Date();
  console.error(`bench:chat PAIRS=${PAIRS} peak ${PEAK_S} s, paced ${PACED_S} s; seeding…`);
  const { db, env, app } = await startBench('chat');
  const seeded = await insertUsers(db.client, PAIRS * 2);
  const tokens = await mintTokens(app.services.accounts, seeded);
  const slotId = await insertSlot(db.client, new Date(Date.now() - 60_000), 24 * 60);
  const users: { id: string; peer: string; interviewId: string; token: string }[] = [];
  const interviews: string[] = [];
  for (let i = 0; i < seeded.length; i += 2) {
    const interviewId = randomUUID();
    interviews.push(interviewId);
    const [a, b] = [seeded[i]!, seeded[i + 1]!];
    users.push(
      { id: a.id, peer: b.id, interviewId, token: tokens[i]! },
      { id: b.id, peer: a.id, interviewId, token: tokens[i + 1]! },
    );
  }
  await db.client.query(
    `INSERT INTO "Interview" (id, "slotId", type, status, "startedAt") SELECT i, $2, 'TECHNICAL', 'IN_PROGRESS', now() FROM unnest($1::uuid[]) i`,
    [interviews, slotId],
  );
  await db.client.query(
    `INSERT INTO "InterviewParticipant" ("interviewId", "userId", role, difficulty, "joinedAt")
     SELECT i, u, r::"ParticipantRole", 'MEDIUM', now() FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(i, u, r)`,
    [
      users.map((u) => u.interviewId),
      users.map((u) => u.id),
      users.map((_, k) => (k % 2 ? 'INTERVIEWEE' : 'INTERVIEWER')),
    ],
  );
  await db.client.query('ANALYZE');
  await app.stop();

  const results: Result[] = [];
  for (const kind of SERVERS) {
    console.error(`\n[${kind}] starting server…`);
    results.push(await run(kind));
  }
  print(results, started);

  async function run(kind: string): Promise<Result> {
    const server =
      kind === 'mockmate'
        ? spawnChild('mockmate', 'app-server.ts', { cpus: SERVER_CPUS, env })
        : spawnChild('sio-chat', 'baseline-servers.ts', {
            cpus: SERVER_CPUS,
            args: ['sio-chat'],
            env: { REDIS_URL, DATABASE_URL: db.url, BENCH_SIO_KEY: `bench-chat-${randomBytes(4).toString('hex')}` },
          });
    const clients: Child[] = Array.from({ length: PROCS }, (_, p) =>
      spawnChild(`clients-${p}`, 'chat-clients.ts', { cpus: CLIENT_CPUS }),
    );
    try {
      const { port } = (await server.ready) as { port: number };
      await Promise.all(clients.map((c) => c.ready));
      const url = `http://127.0.0.1:${port}/graphql`;
      // Pairs stay within one process, which sees both the send and the receipt.
      const shares = clients.map((_, p) => users.filter((_, k) => Math.floor(k / 2) % PROCS === p));
      const conn = await Promise.all(
        clients.map((c, p) =>
          c.call<{ ready: number; failures: Record<string, number> }>(
            'connect',
            {
              protocol: kind === 'mockmate' ? 'graphql-ws' : 'socketio',
              send: MOCKMATE_SEND,
              url,
              users: shares[p],
              concurrency: 50,
            },
            600_000,
          ),
        ),
      );
      const ready = conn.reduce((n, c) => n + c.ready, 0);
      console.error(`[${kind}] ${ready}/${users.length} sockets ready ${JSON.stringify(conn.map((c) => c.failures))}`);
      // Subscriptions go live a moment after connection_ack; a short settle, then a warm-up round trip per pair.
      await sleep(2000);
      await Promise.all(clients.map((c) => c.call('phase')));
      await Promise.all(clients.map((c) => c.call('paced', { rate: 200 / PROCS, ms: 2000 }, 120_000)));
      await Promise.all(clients.map((c) => c.call('drain', { ms: 10_000 }, 60_000)));

      const phase = async (name: string, body: () => Promise<unknown>): Promise<Phase> => {
        await Promise.all(clients.map((c) => c.call('phase')));
        const s0 = procStats(server.pid);
        const c0 = clients.map((c) => procStats(c.pid));
        const t0 = performance.now();
        await body();
        const wall = performance.now() - t0;
        const s1 = procStats(server.pid);
        const c1 = clients.map((c) => procStats(c.pid));
        await Promise.all(clients.map((c) => c.call('drain', { ms: 30_000 }, 60_000)));
        const reports = await Promise.all(clients.map((c) => c.call<Report>('report')));
        const lat = mergeSorted(reports.map((r) => unpackFloats(r.latencies).sort()));
        const failures: Record<string, number> = {};
        for (const r of reports) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
        const p: Phase = {
          sent: reports.reduce((n, r) => n + r.sent, 0),
          failed: reports.reduce((n, r) => n + r.failed, 0),
          failures,
          received: reports.reduce((n, r) => n + r.received, 0),
          duplicates: reports.reduce((n, r) => n + r.duplicates, 0),
          seconds: wall / 1000,
          // Over the wall time: a closed loop finishes the sends in flight when its time is up.
          rate: reports.reduce((n, r) => n + r.sent, 0) / (wall / 1000),
          cpuPerMessageMs:
            (s1.cpuMs - s0.cpuMs) /
            Math.max(
              1,
              reports.reduce((n, r) => n + r.sent, 0),
            ),
          p50: percentile(lat, 50),
          p99: percentile(lat, 99),
          max: lat.length ? lat[lat.length - 1]! : NaN,
          serverCpu: cpuPercent([s0], [s1], wall),
          clientCpu: cpuPercent(c0, c1, wall),
        };
        console.error(
          `[${kind}] ${name}: ${int(p.sent)} sent (${int(p.rate)}/s), ${int(p.received)} received, failed ${p.failed} ${JSON.stringify(failures)}, p50 ${msf(p.p50)} p99 ${msf(p.p99)}, server CPU ${p.serverCpu.toFixed(0)}%`,
        );
        return p;
      };
      const peak = await phase('peak', () =>
        Promise.all(clients.map((c) => c.call('closed', { ms: PEAK_S * 1000 }, PEAK_S * 1000 + 120_000))),
      );
      await sleep(1000);
      const target = Math.max(1, peak.rate / 2);
      const paced = await phase('paced', () =>
        Promise.all(
          clients.map((c) => c.call('paced', { rate: target / PROCS, ms: PACED_S * 1000 }, PACED_S * 1000 + 120_000)),
        ),
      );
      const final = await Promise.all(clients.map((c) => c.call<Report>('report')));
      if (kind === 'mockmate') await waitDbIdle(db.client, db.name);
      return {
        kind,
        ready,
        peak,
        paced: { ...paced, target },
        lost: final.reduce((n, r) => n + r.lost, 0),
        unknown: final.reduce((n, r) => n + r.unknown, 0),
      };
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
      await server.stop(30_000);
    }
  }
});

function print(results: Result[], started: Date) {
  const out: string[] = [];
  out.push(
    ...reportHeader(
      'chat',
      started,
      `${int(PAIRS)} interviews under way (${int(PAIRS * 2)} users, one socket each); peak: closed loop for ${PEAK_S} s, every user sending its next message when the last was accepted; paced: open loop at half of each server's own peak for ${PACED_S} s; ${PROCS} client processes.`,
    ),
  );
  out.push(
    processLine(
      'The Socket.IO baseline inserts into the same PostgreSQL (a table of its own, a pool of 10 as the app).',
    ),
    '',
  );
  out.push(
    table(
      [
        'server',
        'sockets',
        'peak msgs/s',
        'server CPU per message',
        'peak p50',
        'peak p99',
        'paced rate',
        'paced p50',
        'paced p99',
        'paced max',
        'failed',
        'lost / duplicated',
        'server CPU (peak)',
        'clients CPU (peak)',
      ],
      results.map((r) => [
        LABEL[r.kind] ?? r.kind,
        int(r.ready),
        int(r.peak.rate),
        msf(r.peak.cpuPerMessageMs),
        msf(r.peak.p50),
        msf(r.peak.p99),
        `${int(r.paced.target)}/s`,
        msf(r.paced.p50),
        msf(r.paced.p99),
        msf(r.paced.max),
        `${r.peak.failed + r.paced.failed} ${JSON.stringify({ ...r.peak.failures, ...r.paced.failures })}`,
        `${r.lost} / ${r.peak.duplicates + r.paced.duplicates}`,
        `${r.peak.serverCpu.toFixed(0)}%`,
        `${r.peak.clientCpu.toFixed(0)}%`,
      ]),
    ),
  );
  const mm = results.find((r) => r.kind === 'mockmate');
  const sio = results.find((r) => r.kind === 'socketio');
  const valid = (r: Result) =>
    r.lost === 0 && r.peak.duplicates + r.paced.duplicates === 0 && r.peak.failed + r.paced.failed === 0;
  const rows: string[][] = [];
  if (mm && sio)
    rows.push([
      '(server CPU per message; ratio = Socket.IO ÷ MockMate)',
      `${msf(mm.peak.cpuPerMessageMs)} vs ${msf(sio.peak.cpuPerMessageMs)}`,
      ratio(sio.peak.cpuPerMessageMs, mm.peak.cpuPerMessageMs),
      '',
    ]);
  if (mm && sio)
    rows.push([
      'throughput ≥ 0.7× Socket.IO + PostgreSQL',
      `${int(mm.peak.rate)} vs ${int(sio.peak.rate)} msgs/s`,
      ratio(mm.peak.rate, sio.peak.rate),
      verdict(valid(mm) && mm.peak.rate >= 0.7 * sio.peak.rate),
    ]);
  if (mm)
    rows.push([
      `p99 < 100 ms at half its peak (${int(mm.paced.target)}/s)`,
      msf(mm.paced.p99),
      sio ? `Socket.IO ${msf(sio.paced.p99)} at ${int(sio.paced.target)}/s` : '',
      verdict(valid(mm) && mm.paced.p99 < 100),
    ]);
  if (mm)
    rows.push(['every accepted message to the peer exactly once', valid(mm) ? 'yes' : 'no', '', verdict(valid(mm))]);
  out.push('\n### Targets (MockMate)\n');
  out.push(table(['target', 'measured', 'ratio / baseline', 'result'], rows));
  console.log(out.join('\n'));
}
