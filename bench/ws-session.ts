// The WebSocket side shared by bench:fanout, bench:user-events and
// bench:connections: their common settings, one server
// under test (MockMate, Socket.IO or bare ws) in its own process, load
// generator processes (ws-clients.ts) holding the sockets, publishers that
// reach each server through Redis, the probe that proves every socket is
// subscribed, and the measured delivery phase.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Server as SocketIoServer } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { App } from '../src/app.js';
import { channels, type RoomEventMessage } from '../src/domain/events.js';
import {
  CLIENT_CPUS,
  REDIS_URL,
  SERVER_CPUS,
  insertBookings,
  insertSlot,
  cpuPercent,
  insertUsers,
  int,
  intSetting,
  mergeSorted,
  mintTokens,
  msf,
  now,
  onCleanup,
  percentile,
  procStats,
  sleep,
  strSetting,
  unpackFloats,
  spawnChild,
  type Child,
} from './support.js';
import type pg from 'pg';

export type Kind = 'mockmate' | 'socketio' | 'ws';
export const KINDS: Kind[] = ['mockmate', 'socketio', 'ws'];
export const LABEL: Record<Kind, string> = {
  mockmate: 'MockMate (graphql-ws)',
  socketio: 'Socket.IO 4 + redis-adapter',
  ws: 'bare ws',
};
export const SUBSCRIPTION =
  'subscription Room($slotId: ID!) { waitingRoom(slotId: $slotId) { type slotId waitingCount byDifficulty { difficulty count } at } }';

/**
 * Settings of every WebSocket bench (env or --name=value): CLIENT_PROCS=2
 * CONNECT_CONCURRENCY=200 WARMUP_SOCKETS=100 (at most `n`) BURST_TIMEOUT_S=120,
 * SERVERS=`servers`.
 */
export function wsSettings(n: number, servers: string) {
  return {
    PROCS: Math.max(1, intSetting('CLIENT_PROCS', 2)),
    CONCURRENCY: intSetting('CONNECT_CONCURRENCY', 200),
    WARMUP: Math.min(n, intSetting('WARMUP_SOCKETS', 100)),
    BURST_TIMEOUT_MS: intSetting('BURST_TIMEOUT_S', 120) * 1000,
    SERVERS: strSetting('SERVERS', servers).split(',') as Kind[],
  };
}

export const split = (n: number, parts: number) =>
  Array.from({ length: parts }, (_, p) => Math.floor((n * (p + 1)) / parts) - Math.floor((n * p) / parts));
export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export interface ClientReport {
  received: number;
  firstAt: number;
  lastAt: number;
  minPerSocket: number;
  maxPerSocket: number;
  otherFrames: number;
  /** Events published before the phase (an earlier round still arriving), left out of its counts. */
  stale: number;
  sample: string | null;
  latencies: string;
  closedAfterReady: Record<string, number>;
  open: number;
}

/** One waiting room with `sockets` subscribers spread over `users` users (all booked in the slot). */
export async function seedRoom(app: App, c: pg.Client, users: number) {
  const seeded = await insertUsers(c, users);
  const slotId = await insertSlot(c, new Date(Date.now() + 86_400_000), 60);
  const difficulties = ['EASY', 'MEDIUM', 'HARD'] as const;
  await insertBookings(
    c,
    seeded.map((u, i) => ({ slotId, userId: u.id, difficulty: difficulties[i % 3]! })),
  );
  const tokens = await mintTokens(app.services.accounts, seeded);
  const byDifficulty = difficulties.map((d, i) => ({ difficulty: d, count: split(users, 3)[i]! }));
  return { slotId, tokens, counts: { waitingCount: users, byDifficulty } };
}

/**
 * Publishers: each is "another instance" as seen by the server under test.
 * MockMate gets a RoomEventMessage on `room:<slotId>` through the app's own
 * pubsub (what bookings publish after commit); Socket.IO an `io.to(room).emit`
 * from a node of its own with the Redis adapter; bare ws a PUBLISH of the
 * graphql-ws frame MockMate would send for that event.
 */
export async function createPublishers(
  app: App,
  slotId: string,
  counts: Pick<RoomEventMessage, 'waitingCount' | 'byDifficulty'>,
) {
  const tag = randomBytes(4).toString('hex');
  const names = { room: `bench-room-${tag}`, wsChannel: `bench:ws:${tag}`, sioKey: `bench-sio-${tag}` };
  const roomMessage = (at: string): RoomEventMessage => ({ type: 'JOIN_ROOM', slotId, at, ...counts });
  const frameObject = (at: string) => ({
    id: '1',
    type: 'next',
    payload: {
      data: {
        waitingRoom: {
          type: 'JOIN_ROOM',
          slotId,
          waitingCount: counts.waitingCount,
          byDifficulty: counts.byDifficulty,
          at,
        },
      },
    },
  });
  const frame = (at: string) => JSON.stringify(frameObject(at));
  const redis = new Redis(REDIS_URL);
  const sioPub = new Redis(REDIS_URL);
  const sioSub = sioPub.duplicate();
  const sio = new SocketIoServer({ adapter: createAdapter(sioPub, sioSub, { key: names.sioKey }) });
  onCleanup(async () => {
    await sio.of('/').adapter.close();
    await Promise.allSettled([redis.quit(), sioPub.quit(), sioSub.quit()]);
  });
  const publish: Record<Kind, (at: string) => Promise<unknown>> = {
    mockmate: (at) => app.infra.pubsub.publish(channels.room(slotId), roomMessage(at)),
    socketio: async (at) => void sio.to(names.room).emit('e', frameObject(at)),
    ws: (at) => redis.publish(names.wsChannel, frame(at)),
  };
  return { names, publish, frame };
}

export function startServer(
  kind: Kind,
  appEnvironment: NodeJS.ProcessEnv,
  names: { room: string; wsChannel: string; sioKey: string },
  baselineEnv: Record<string, string> = {},
) {
  const child =
    kind === 'mockmate'
      ? spawnChild('mockmate', 'app-server.ts', { cpus: SERVER_CPUS, env: appEnvironment })
      : spawnChild(kind, 'baseline-servers.ts', {
          cpus: SERVER_CPUS,
          args: [kind],
          env: {
            REDIS_URL,
            BENCH_ROOM: names.room,
            BENCH_CHANNEL: names.wsChannel,
            BENCH_SIO_KEY: names.sioKey,
            ...baselineEnv,
          },
        });
  const url = child.ready.then(({ port }) =>
    kind === 'mockmate'
      ? `ws://127.0.0.1:${String(port)}/graphql`
      : kind === 'socketio'
        ? `ws://127.0.0.1:${String(port)}/socket.io/?EIO=4&transport=websocket`
        : `ws://127.0.0.1:${String(port)}/`,
  );
  return { child, url };
}

export async function startClients(procs: number): Promise<Child[]> {
  const clients = Array.from({ length: procs }, (_, p) =>
    spawnChild(`clients-${p}`, 'ws-clients.ts', { cpus: CLIENT_CPUS }),
  );
  await Promise.all(clients.map((c) => c.ready));
  return clients;
}

export interface Connected {
  /** Sockets ready per client process. */
  ready: number[];
  total: number;
  failures: Record<string, number>;
  /** First connect attempt to the last socket ready. */
  rampMs: number;
}

/** Opens `count` sockets spread over the client processes; tokens are dealt out in order. */
export async function connectSockets(
  clients: Child[],
  kind: Kind,
  url: string,
  count: number,
  opts: {
    tokens: string[];
    slotId: string;
    concurrency: number;
    /** MockMate's subscription instead of the waiting room's. */
    subscribe?: { query: string; variables?: Record<string, unknown> };
    /** Socket.IO CONNECT auth payloads, dealt out like the tokens. */
    auth?: Record<string, unknown>[];
  },
): Promise<Connected> {
  const shares = split(count, clients.length);
  let offset = 0;
  const t0 = now();
  const results = await Promise.all(
    clients.map((c, p) => {
      const from = offset;
      offset += shares[p]!;
      const tokens = Array.from({ length: shares[p]! }, (_, i) => opts.tokens[(from + i) % opts.tokens.length]!);
      const auth =
        opts.auth && Array.from({ length: shares[p]! }, (_, i) => opts.auth![(from + i) % opts.auth!.length]!);
      return c.call<{ ready: number; failures: Record<string, number>; lastReadyAt: number }>(
        'connect',
        {
          protocol: kind === 'mockmate' ? 'graphql-ws' : kind,
          url,
          tokens: kind === 'mockmate' ? tokens : undefined,
          subscribe: opts.subscribe ?? { query: SUBSCRIPTION, variables: { slotId: opts.slotId } },
          auth: kind === 'socketio' ? auth : undefined,
          count: shares[p]!,
          concurrency: Math.max(1, Math.round(opts.concurrency / clients.length)),
        },
        1_800_000,
      );
    }),
  );
  const failures: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
  const ready = results.map((r) => r.ready);
  return { ready, total: sum(ready), failures, rampMs: Math.max(...results.map((r) => r.lastReadyAt)) - t0 };
}

/**
 * Publishes probe events until every ready socket has received one (or the
 * deadline): proves each subscription is live, not just each socket open.
 */
export function probe(
  clients: Child[],
  publish: (at: string) => Promise<unknown>,
  expected: number,
  timeoutMs = 60_000,
) {
  return probeRounds(clients, () => publish(new Date().toISOString()), expected, { timeoutMs, socketsPerMs: 50 });
}

/** Like probe, with a round of publishing of the caller's; waits 200 ms + 1 ms per `socketsPerMs` sockets (≤ 1 s) between rounds. */
export async function probeRounds(
  clients: Child[],
  round: () => Promise<unknown>,
  expected: number,
  { timeoutMs = 60_000, socketsPerMs = 50 } = {},
) {
  await Promise.all(clients.map((c) => c.call('phase')));
  const until = now() + timeoutMs;
  const t0 = now();
  let withOne = 0;
  while (now() < until) {
    await round();
    await sleep(Math.min(1000, 200 + expected / socketsPerMs));
    withOne = sum(
      await Promise.all(
        clients.map((c) => c.call<{ socketsWithOne: number }>('progress').then((p) => p.socketsWithOne)),
      ),
    );
    if (withOne >= expected) break;
  }
  return { withOne, ms: now() - t0 };
}

/** Closes every socket, then waits for `drain` (the server's close handlers) before anything else happens. */
export async function closeSockets(clients: Child[], drain: () => Promise<unknown>) {
  await Promise.all(clients.map((c) => c.call('close', undefined, 120_000)));
  await drain();
}

/**
 * A first batch of sockets connected, probed and closed before the baseline
 * RSS is taken, so lazy one-time work (schema and JIT warm-up, pools) is not
 * charged to the sockets measured afterwards.
 */
export async function warmUp(
  clients: Child[],
  kind: Kind,
  url: string,
  publish: (at: string) => Promise<unknown>,
  opts: {
    tokens: string[];
    slotId: string;
    count: number;
    drain: () => Promise<unknown>;
    subscribe?: { query: string; variables?: Record<string, unknown> };
    auth?: Record<string, unknown>[];
  },
) {
  const c = await connectSockets(clients, kind, url, opts.count, { ...opts, concurrency: 20 });
  const p = await probe(clients, publish, c.total, 30_000);
  await closeSockets(clients, opts.drain);
  if (p.withOne < opts.count) console.error(`[${kind}] warm-up: only ${p.withOne}/${opts.count} sockets got the probe`);
  return msf(p.ms);
}

export interface PhaseStats {
  delivered: number;
  seconds: number;
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  serverCpu: number;
  clientCpu: number;
  /** Events of an earlier phase that arrived during this one (not counted in `delivered`). */
  stale: number;
}

/**
 * One measured phase on subscribed sockets: resets the clients' counters, runs
 * `run` (the publishing), waits until each client process has `perSocket`
 * events per ready socket (`ready`, per process), then `settleMs` more (a
 * repeat would arrive right behind). Throughput runs to the last receipt; CPU
 * is over the phase without the settling time.
 */
export async function measurePhase(
  server: Child,
  clients: Child[],
  opts: { ready: number[]; perSocket: number; timeoutMs: number; settleMs?: number },
  run: () => Promise<void>,
): Promise<{ stats: PhaseStats; reports: ClientReport[] }> {
  const { ready, perSocket, timeoutMs, settleMs = 0 } = opts;
  const since = Date.now();
  await Promise.all(clients.map((c) => c.call('phase', { since })));
  const sBefore = procStats(server.pid);
  const cBefore = clients.map((c) => procStats(c.pid));
  const start = now();
  const waits = clients.map((c, p) =>
    c.call('awaitReceived', { target: ready[p]! * perSocket, timeoutMs }, timeoutMs + 30_000),
  );
  await run();
  await Promise.all(waits);
  if (settleMs) await sleep(settleMs);
  const end = now();
  const sAfter = procStats(server.pid);
  const cAfter = clients.map((c) => procStats(c.pid));
  const reports = await Promise.all(clients.map((c) => c.call<ClientReport>('report')));
  const lat = mergeSorted(reports.map((r) => unpackFloats(r.latencies)));
  const delivered = sum(reports.map((r) => r.received));
  const seconds = (Math.max(...reports.map((r) => r.lastAt)) - start) / 1000;
  const stats: PhaseStats = {
    delivered,
    seconds,
    throughput: seconds > 0 ? delivered / seconds : 0,
    p50: percentile(lat, 50),
    p95: percentile(lat, 95),
    p99: percentile(lat, 99),
    max: lat.length ? lat[lat.length - 1]! : NaN,
    serverCpu: cpuPercent([sBefore], [sAfter], end - start - settleMs),
    clientCpu: cpuPercent(cBefore, cAfter, end - start - settleMs),
    stale: sum(reports.map((r) => r.stale)),
  };
  return { stats, reports };
}

/** The progress line of a phase. */
export const phaseLine = (kind: Kind, name: string, p: PhaseStats & { expected: number }) =>
  `[${kind}] ${name}: ${int(p.delivered)}/${int(p.expected)} in ${p.seconds.toFixed(2)} s, ${int(p.throughput)} msg/s, p50 ${msf(p.p50)} p99 ${msf(p.p99)}, server CPU ${p.serverCpu.toFixed(0)}%${p.stale ? `, ${int(p.stale)} late from earlier rounds left out` : ''}`;

/** Table cells of a phase's latencies and CPU: p50, p95, p99, max, server CPU, clients CPU. */
export const latencyCells = (p: PhaseStats) => [
  msf(p.p50),
  msf(p.p95),
  msf(p.p99),
  msf(p.max),
  `${p.serverCpu.toFixed(0)}%`,
  `${p.clientCpu.toFixed(0)}%`,
];
