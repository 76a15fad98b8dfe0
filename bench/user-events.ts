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
import { channels, type UserEventMessage } from '../src/domain/events.js';
import {
  REDIS_URL,
  insertUsers,
  int,
  intSetting,
  kb,
  main,
  mb,
  mintTokens,
  msf,
  now,
  onCleanup,
  procStats,
  processLine,
  ratio,
  reportHeader,
  sleep,
  table,
  verdict,
  waitDbIdle,
  type Child,
} from './support.js';
import { startBench } from './scratch-app.js';
import {
  LABEL,
  closeSockets,
  connectSockets,
  latencyCells,
  measurePhase,
  phaseLine,
  probeRounds,
  startClients,
  startServer,
  wsSettings,
  type ClientReport,
  type Kind,
  type PhaseStats,
} from './ws-session.js';

const N = intSetting('N', 5000);
const K = intSetting('K', 20);
const { PROCS, CONCURRENCY, WARMUP, BURST_TIMEOUT_MS, SERVERS } = wsSettings(N, 'mockmate,socketio');
const SUBSCRIPTION = 'subscription { events { id type at payload } }';

interface PhaseResult extends PhaseStats {
  expected: number;
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
  const { db, env, app } = await startBench('userev');
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
    /** Publishes a round to every user until every socket has received one. */
    const probe = (round: () => Promise<unknown>, expected: number) =>
      probeRounds(clients, round, expected, { socketsPerMs: 20 });
    try {
      const url = await urlP;
      clients = await startClients(PROCS);
      // Warm-up: the first WARMUP users connect, get one event each, and close.
      const w = await connectSockets(clients, kind, url, WARMUP, { ...connectOpts, concurrency: 20 });
      await probe(() => toAll(WARMUP), w.total);
      await closeSockets(clients, drain);
      await server.call('gc');
      const rssBase = procStats(server.pid).rss;
      const conn = await connectSockets(clients, kind, url, N, { ...connectOpts, concurrency: CONCURRENCY });
      console.error(`[${kind}] ${conn.total}/${N} sockets ready in ${msf(conn.rampMs)}`);
      const probed = await probe(() => toAll(N), conn.total);
      console.error(`[${kind}] ${probed.withOne}/${conn.total} sockets received the probe (${msf(probed.ms)})`);
      await sleep(1000);
      const sample = (await clients[0]!.call<ClientReport>('report')).sample ?? '';
      await server.call('gc');
      const rssConnected = procStats(server.pid).rss;

      const phase = async (name: string, run: () => Promise<void>, timeoutMs: number): Promise<PhaseResult> => {
        // settleMs: anything more (a repeat) would arrive right behind.
        const { stats, reports } = await measurePhase(
          server,
          clients,
          { ready: conn.ready, perSocket: K, timeoutMs, settleMs: 500 },
          run,
        );
        const res: PhaseResult = {
          ...stats,
          expected: conn.total * K,
          exact: reports.every((r) => r.minPerSocket === K && r.maxPerSocket === K) && conn.total === N,
        };
        console.error(`${phaseLine(kind, name, res)}, exactly ${K} each: ${res.exact}`);
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

function print(results: ServerResult[], started: Date) {
  const mm = results.find((r) => r.kind === 'mockmate');
  const sio = results.find((r) => r.kind === 'socketio');
  const out: string[] = [];
  out.push(
    ...reportHeader(
      'user-events',
      started,
      `N=${int(N)} users, one socket each subscribed to its own events, K=${K} events per user per phase; paced at 1 event per user per second (${int(N)} events/s); ${PROCS} client processes.`,
    ),
  );
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
        ...latencyCells(p),
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
