// npm run bench:user-events — per-user delivery, the path most events take
// (MATCHED, MESSAGE_SENT, presence): N users, each with one authenticated
// graphql-ws socket subscribed to `events`, each receiving K events addressed
// to them alone. Baseline in the same run with the same N, K and payload:
// Socket.IO 4 with @socket.io/redis-adapter, every socket in its own room
// `user:<id>` and each event an `io.to(room).emit` from another node.
//
// MockMate's events are published as the app publishes them after commit: a
// UserEventMessage on `user:<id>` through the app's own pubsub, each user's
// `seq` one more than the last (so no stored row is read: the stream only
// reads the table to fill a gap). Each event carries its publish time in `at`.
//
// Phases on the same sockets:
//   paced  K rounds at 1 event per user per second (N events/s, spread over each second): target p99 < 200 ms;
//   burst  K events per user back to back: throughput = N×K / (last receipt − first publish).
// A run in which any socket receives other than exactly K events per phase is invalid.
//
// Settings (env or --name=value): N=5000 K=20 CLIENT_PROCS=2 CONNECT_CONCURRENCY=200
// WARMUP_SOCKETS=100 BURST_TIMEOUT_S=120 SERVERS=mockmate,socketio
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Server as SocketIoServer } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { channels, type UserEventMessage } from '../src/domain/events.js';
import {
  REDIS_URL,
  appEnv,
  cpuPercent,
  createScratchDatabase,
  insertUsers,
  int,
  intSetting,
  kb,
  machineLine,
  main,
  mb,
  mergeSorted,
  mintTokens,
  msf,
  now,
  onCleanup,
  percentile,
  procStats,
  processLine,
  ratio,
  sleep,
  strSetting,
  table,
  unpackFloats,
  verdict,
  waitDbIdle,
  type Child,
} from './support.js';
import {
  LABEL,
  closeSockets,
  connectSockets,
  startClients,
  startServer,
  sum,
  type ClientReport,
  type Kind,
} from './ws-session.js';

const N = intSetting('N', 5000);
const K = intSetting('K', 20);
const PROCS = Math.max(1, intSetting('CLIENT_PROCS', 2));
const CONCURRENCY = intSetting('CONNECT_CONCURRENCY', 200);
const WARMUP = Math.min(N, intSetting('WARMUP_SOCKETS', 100));
const BURST_TIMEOUT_MS = intSetting('BURST_TIMEOUT_S', 120) * 1000;
const SERVERS = strSetting('SERVERS', 'mockmate,socketio').split(',') as Kind[];
const SUBSCRIPTION = 'subscription { events { id type at payload } }';

interface PhaseResult {
  delivered: number;
  expected: number;
  seconds: number;
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  serverCpu: number;
  clientCpu: number;
  exact: boolean;
}

interface ServerResult {
  kind: Kind;
  subscribed: number;
  rssBase: number;
  rssConnected: number;
  paced: PhaseResult;
  burst: PhaseResult;
  bytes: number;
}

await main(async () => {
  const started = new Date();
  console.error(`bench:user-events N=${N} K=${K}, ${PROCS} client processes; seeding…`);
  const db = await createScratchDatabase('userev');
  const env = appEnv(db.url);
  const app = await buildApp(loadConfig(env));
  onCleanup(() => app.stop());
  const users = await insertUsers(db.client, N);
  const tokens = await mintTokens(app.services.accounts, users);
  const ids = users.map((u) => u.id);
  const auth = ids.map((user) => ({ user }));

  const tag = randomBytes(4).toString('hex');
  const names = { room: `bench-room-${tag}`, wsChannel: `bench:ws:${tag}`, sioKey: `bench-sio-${tag}` };
  const sioPub = new Redis(REDIS_URL);
  const sioSub = sioPub.duplicate();
  const sio = new SocketIoServer({ adapter: createAdapter(sioPub, sioSub, { key: names.sioKey }) });
  onCleanup(async () => {
    await sio.of('/').adapter.close();
    await Promise.allSettled([sioPub.quit(), sioSub.quit()]);
  });
  // Each user's cursor: MockMate's stream expects consecutive ids (a gap makes it read the table).
  const seq = new Map<string, bigint>(ids.map((id) => [id, 0n]));
  const interviewId = randomUUID();
  const message = (userId: string, at: string): UserEventMessage => {
    const next = seq.get(userId)! + 1n;
    seq.set(userId, next);
    return {
      userId,
      seq: next.toString(),
      type: 'MESSAGE_SENT',
      at,
      interviewId,
      payload: { messageId: randomUUID(), senderId: interviewId },
    };
  };
  const publishers: Record<string, (userId: string, at: string) => Promise<unknown>> = {
    mockmate: (userId, at) => app.infra.pubsub.publish(channels.user(userId), message(userId, at)),
    socketio: async (userId, at) => {
      const m = message(userId, at);
      sio
        .to(`user:${userId}`)
        .emit('e', { data: { events: { id: m.seq, type: m.type, at: m.at, payload: m.payload } } });
    },
  };

  const results: ServerResult[] = [];
  for (const kind of SERVERS) {
    const publish = publishers[kind];
    if (!publish) throw new Error(`unknown server ${kind}; use mockmate, socketio`);
    for (const id of ids) seq.set(id, 0n);
    console.error(`\n[${kind}] starting server…`);
    results.push(await runServer(kind, publish));
  }
  print(results, started);

  async function runServer(
    kind: Kind,
    publish: (userId: string, at: string) => Promise<unknown>,
  ): Promise<ServerResult> {
    const { child: server, url: urlP } = startServer(kind, env, names, { BENCH_SIO_ROOMS: 'user' });
    const drain = () => (kind === 'mockmate' ? waitDbIdle(db.client, db.name) : sleep(500));
    const connectOpts = { tokens, slotId: '', auth, subscribe: { query: SUBSCRIPTION } };
    /** One event to each of the first `n` users. */
    const toAll = (n: number) => Promise.all(ids.slice(0, n).map((id) => publish(id, new Date().toISOString())));
    let clients: Child[] = [];
    try {
      const url = await urlP;
      clients = await startClients(PROCS);
      // Warm-up: the first WARMUP users connect, get one event each, and close.
      const w = await connectSockets(clients, kind, url, WARMUP, { ...connectOpts, concurrency: 20 });
      await probe(clients, () => toAll(WARMUP), w.total);
      await closeSockets(clients, drain);
      await server.call('gc');
      const rssBase = procStats(server.pid).rss;
      const conn = await connectSockets(clients, kind, url, N, { ...connectOpts, concurrency: CONCURRENCY });
      console.error(`[${kind}] ${conn.total}/${N} sockets ready in ${msf(conn.rampMs)}`);
      const probed = await probe(clients, () => toAll(N), conn.total);
      console.error(`[${kind}] ${probed.withOne}/${conn.total} sockets received the probe (${msf(probed.ms)})`);
      await sleep(1000);
      const sample = (await clients[0]!.call<ClientReport>('report')).sample ?? '';
      await server.call('gc');
      const rssConnected = procStats(server.pid).rss;

      const phase = async (name: string, run: () => Promise<void>, timeoutMs: number): Promise<PhaseResult> => {
        await Promise.all(clients.map((c) => c.call('phase')));
        const sBefore = procStats(server.pid);
        const cBefore = clients.map((c) => procStats(c.pid));
        const start = now();
        const waits = clients.map((c, p) =>
          c.call('awaitReceived', { target: conn.ready[p]! * K, timeoutMs }, timeoutMs + 30_000),
        );
        await run();
        await Promise.all(waits);
        // Anything more (a repeat) would arrive right behind.
        await sleep(500);
        const end = now();
        const sAfter = procStats(server.pid);
        const cAfter = clients.map((c) => procStats(c.pid));
        const reports = await Promise.all(clients.map((c) => c.call<ClientReport>('report')));
        const lat = mergeSorted(reports.map((r) => unpackFloats(r.latencies)));
        const delivered = sum(reports.map((r) => r.received));
        const seconds = (Math.max(...reports.map((r) => r.lastAt)) - start) / 1000;
        const res: PhaseResult = {
          delivered,
          expected: conn.total * K,
          seconds,
          throughput: seconds > 0 ? delivered / seconds : 0,
          p50: percentile(lat, 50),
          p95: percentile(lat, 95),
          p99: percentile(lat, 99),
          max: lat.length ? lat[lat.length - 1]! : NaN,
          serverCpu: cpuPercent([sBefore], [sAfter], end - start - 500),
          clientCpu: cpuPercent(cBefore, cAfter, end - start - 500),
          exact: reports.every((r) => r.minPerSocket === K && r.maxPerSocket === K) && conn.total === N,
        };
        console.error(
          `[${kind}] ${name}: ${int(delivered)}/${int(res.expected)} in ${seconds.toFixed(2)} s, ${int(res.throughput)} msg/s, p50 ${msf(res.p50)} p99 ${msf(res.p99)}, server CPU ${res.serverCpu.toFixed(0)}%, exactly ${K} each: ${res.exact}`,
        );
        return res;
      };

      const paced = await phase(
        'paced',
        async () => {
          // Each second, one event to every user, in TICK-ms slices.
          const TICK = 10;
          const perTick = Math.ceil(N / (1000 / TICK));
          const t = now();
          for (let round = 0; round < K; round++) {
            for (let from = 0; from < N; from += perTick) {
              const wait = t + round * 1000 + (from / perTick) * TICK - now();
              if (wait > 0) await sleep(wait);
              const at = new Date().toISOString();
              await Promise.all(ids.slice(from, from + perTick).map((id) => publish(id, at)));
            }
          }
        },
        K * 1000 + 60_000,
      );
      await sleep(1000);
      const burst = await phase(
        'burst',
        async () => {
          const sends: Promise<unknown>[] = [];
          for (let k = 0; k < K; k++) for (const id of ids) sends.push(publish(id, new Date().toISOString()));
          await Promise.all(sends);
        },
        BURST_TIMEOUT_MS,
      );
      await closeSockets(clients, drain);
      return {
        kind,
        subscribed: probed.withOne,
        rssBase,
        rssConnected,
        paced,
        burst,
        bytes: Buffer.byteLength(sample),
      };
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
      await server.stop(30_000);
    }
  }
});

/** Publishes a round to every user until every socket has received one. */
async function probe(clients: Child[], round: () => Promise<unknown>, expected: number, timeoutMs = 60_000) {
  await Promise.all(clients.map((c) => c.call('phase')));
  const t0 = now();
  let withOne = 0;
  while (now() - t0 < timeoutMs) {
    await round();
    await sleep(Math.min(1000, 200 + expected / 20));
    withOne = sum(
      await Promise.all(
        clients.map((c) => c.call<{ socketsWithOne: number }>('progress').then((p) => p.socketsWithOne)),
      ),
    );
    if (withOne >= expected) break;
  }
  return { withOne, ms: now() - t0 };
}

function print(results: ServerResult[], started: Date) {
  const mm = results.find((r) => r.kind === 'mockmate');
  const sio = results.find((r) => r.kind === 'socketio');
  const out: string[] = [];
  out.push(`\n## bench:user-events — ${started.toISOString()}\n`);
  out.push(
    `N=${int(N)} users, one socket each subscribed to its own events, K=${K} events per user per phase; paced at 1 event per user per second (${int(N)} events/s); ${PROCS} client processes.`,
    '',
  );
  out.push(`Machine: ${machineLine()}.`, '');
  out.push(
    processLine(
      'Events enter every server through Redis from a publisher in the orchestrator process, one message per event and user.',
    ),
    '',
  );
  const rows = (pick: (r: ServerResult) => PhaseResult, withThroughput: boolean) =>
    results.map((r) => {
      const p = pick(r);
      return [
        LABEL[r.kind],
        `${int(p.delivered)} / ${int(p.expected)}`,
        p.exact ? 'yes' : '**no**',
        ...(withThroughput ? [`${p.seconds.toFixed(2)} s`, int(p.throughput)] : []),
        msf(p.p50),
        msf(p.p95),
        msf(p.p99),
        msf(p.max),
        `${p.serverCpu.toFixed(0)}%`,
        `${p.clientCpu.toFixed(0)}%`,
      ];
    });
  out.push(`### Burst: K=${K} events per user back to back (throughput)\n`);
  out.push(
    table(
      [
        'server',
        'delivered / expected',
        `exactly ${K} per socket`,
        'last receipt',
        'msgs/s',
        'p50',
        'p95',
        'p99',
        'max',
        'server CPU',
        'clients CPU',
      ],
      rows((r) => r.burst, true),
    ),
  );
  out.push(`\n### Paced: 1 event per user per second for ${K} s (latency publish → receipt)\n`);
  out.push(
    table(
      [
        'server',
        'delivered / expected',
        `exactly ${K} per socket`,
        'p50',
        'p95',
        'p99',
        'max',
        'server CPU',
        'clients CPU',
      ],
      rows((r) => r.paced, false),
    ),
  );
  out.push(`\n### Server memory\n`);
  out.push(
    table(
      [
        'server',
        'sockets subscribed',
        'bytes/event',
        'RSS before clients',
        'RSS with sockets (after GC)',
        'per socket',
      ],
      results.map((r) => [
        LABEL[r.kind],
        `${int(r.subscribed)} / ${int(N)}`,
        r.bytes,
        mb(r.rssBase),
        mb(r.rssConnected),
        kb((r.rssConnected - r.rssBase) / Math.max(1, r.subscribed)),
      ]),
    ),
  );
  const valid = (r: ServerResult) => r.paced.exact && r.burst.exact;
  const targets: string[][] = [];
  if (mm && sio)
    targets.push([
      'throughput ≥ 1.0× Socket.IO',
      `${int(mm.burst.throughput)} vs ${int(sio.burst.throughput)} msg/s`,
      ratio(mm.burst.throughput, sio.burst.throughput),
      verdict(valid(mm) && mm.burst.throughput >= sio.burst.throughput),
    ]);
  if (mm)
    targets.push([
      'p99 < 200 ms (paced, 1 event/user/s)',
      msf(mm.paced.p99),
      sio ? `Socket.IO ${msf(sio.paced.p99)}` : '',
      verdict(valid(mm) && mm.paced.p99 < 200),
    ]);
  if (mm) targets.push(['every event to its user exactly once', valid(mm) ? 'yes' : 'no', '', verdict(valid(mm))]);
  out.push(`\n### Targets (MockMate)\n`);
  out.push(table(['target', 'measured', 'ratio / baseline', 'result'], targets));
  const saturated = results.filter((r) => r.burst.clientCpu > 90);
  if (saturated.length)
    out.push(
      `\nNote: the load generators used >90% of their core during the burst of ${saturated.map((r) => LABEL[r.kind]).join(', ')}: that throughput is a lower bound set by the clients.`,
    );
  console.log(out.join('\n'));
}
