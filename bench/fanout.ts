// npm run bench:fanout — N authenticated graphql-ws clients subscribed to one
// waiting room (`waitingRoom(slotId)`), K room events published through Redis;
// delivery throughput, publish→receipt latency and server RSS. Baselines in
// the same run with the same N, K and payload: Socket.IO 4 with
// @socket.io/redis-adapter (a room broadcast) and a bare `ws` server
// broadcasting the same bytes.
//
// Every server gets the events the same way a second instance would send
// them: the orchestrator publishes to Redis (MockMate: the app's own pubsub,
// `room:<slotId>` with a RoomEventMessage, exactly what bookings publish after
// commit; Socket.IO: `io.to(room).emit` on a node of its own with the Redis
// adapter; ws: PUBLISH of the frame bytes) and the server under test fans out.
// Each event carries its publish time in `at`; clients compute latency from it.
//
// Two phases per server, on the same sockets:
//   paced  K events at RATE per second: latency under a steady room (target p99 < 200 ms);
//   burst  K events back to back: delivery throughput = N×K / (last receipt − first publish).
//
// Settings (env or --name=value): N=5000 K=100 RATE=10 CLIENT_PROCS=2
// CONNECT_CONCURRENCY=200 (in flight, all processes) WARMUP_SOCKETS=100 BURST_TIMEOUT_S=120
// SERVERS=mockmate,socketio,ws
import {
  int,
  intSetting,
  kb,
  main,
  mb,
  msf,
  now,
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
  KINDS,
  LABEL,
  closeSockets,
  connectSockets,
  createPublishers,
  latencyCells,
  measurePhase,
  phaseLine,
  probe,
  seedRoom,
  startClients,
  startServer,
  sum,
  warmUp,
  wsSettings,
  type ClientReport,
  type Kind,
  type PhaseStats,
} from './ws-session.js';

const N = intSetting('N', 5000);
const K = intSetting('K', 100);
const RATE = intSetting('RATE', 10);
const { PROCS, CONCURRENCY, WARMUP, BURST_TIMEOUT_MS, SERVERS } = wsSettings(N, KINDS.join(','));

interface PhaseResult extends PhaseStats {
  expected: number;
  minPerSocket: number;
}

interface ServerResult {
  kind: Kind;
  subscribed: number;
  connectFailures: Record<string, number>;
  bytes: number;
  rssBase: number;
  rssConnected: number;
  rssPeak: number;
  paced: PhaseResult;
  burst: PhaseResult;
  closed: Record<string, number>;
}

await main(async () => {
  const started = new Date();
  console.error(`bench:fanout N=${N} K=${K} RATE=${RATE}/s, ${PROCS} client processes; seeding…`);
  // The orchestrator's own app instance (never started): migrates the scratch
  // database, mints the access tokens and publishes MockMate's room events.
  const { db, env, app } = await startBench('fanout');
  const { slotId, tokens, counts } = await seedRoom(app, db.client, N);
  const { names, publish: publishers, frame } = await createPublishers(app, slotId, counts);

  const results: ServerResult[] = [];
  for (const kind of SERVERS) {
    if (!publishers[kind]) throw new Error(`unknown server ${kind}; use ${KINDS.join(', ')}`);
    console.error(`\n[${kind}] starting server…`);
    results.push(await runServer(kind, publishers[kind]));
  }

  print(results, started, frame(new Date().toISOString()).length);

  async function runServer(kind: Kind, publish: (at: string) => Promise<unknown>): Promise<ServerResult> {
    const { child: server, url: urlP } = startServer(kind, env, names);
    // MockMate runs a presence transaction per closed socket: wait for the database to go quiet.
    const drain = () => (kind === 'mockmate' ? waitDbIdle(db.client, db.name) : sleep(500));
    let clients: Child[] = [];
    try {
      const url = await urlP;
      clients = await startClients(PROCS);
      const warm = await warmUp(clients, kind, url, publish, { tokens, slotId, count: WARMUP, drain });
      await server.call('gc');
      const rssBase = procStats(server.pid).rss;
      console.error(`[${kind}] warm-up of ${WARMUP} sockets done (probe ${warm}); base RSS ${mb(rssBase)}`);
      const conn = await connectSockets(clients, kind, url, N, { tokens, slotId, concurrency: CONCURRENCY });
      const ready = conn.ready;
      const subscribed = conn.total;
      const connectFailures = conn.failures;
      console.error(`[${kind}] ${subscribed}/${N} sockets ready in ${msf(conn.rampMs)}`);
      const probed = await probe(clients, publish, subscribed);
      console.error(`[${kind}] ${probed.withOne}/${subscribed} sockets received the probe (${msf(probed.ms)})`);
      await sleep(1000);
      const sample = (await clients[0]!.call<ClientReport>('report')).sample ?? '';
      if (kind === 'mockmate' && sample.replace(/"at":"[^"]*"/, '"at":"X"') !== frame('X')) {
        console.error(
          `[${kind}] note: the frame MockMate sent differs from the baseline template:\n  ${sample}\n  ${frame('X')}`,
        );
      }
      await server.call('gc');
      const rssConnected = procStats(server.pid).rss;

      const phase = async (name: string, run: () => Promise<void>, timeoutMs: number): Promise<PhaseResult> => {
        const { stats, reports } = await measurePhase(server, clients, { ready, perSocket: K, timeoutMs }, run);
        const other = sum(reports.map((r) => r.otherFrames));
        if (other) console.error(`[${kind}] ${name}: ${other} frames that were not events`);
        const res: PhaseResult = {
          ...stats,
          expected: subscribed * K,
          minPerSocket: Math.min(...reports.map((r) => r.minPerSocket)),
        };
        console.error(phaseLine(kind, name, res));
        return res;
      };

      const paced = await phase(
        'paced',
        async () => {
          const t = now();
          for (let i = 0; i < K; i++) {
            const wait = t + (i * 1000) / RATE - now();
            if (wait > 0) await sleep(wait);
            await publish(new Date().toISOString());
          }
        },
        (K / RATE) * 1000 + 60_000,
      );
      await sleep(1000);
      const burst = await phase(
        'burst',
        async () => {
          const sends: Promise<unknown>[] = [];
          for (let i = 0; i < K; i++) sends.push(publish(new Date().toISOString()));
          await Promise.all(sends);
        },
        BURST_TIMEOUT_MS,
      );
      const final = await Promise.all(clients.map((c) => c.call<ClientReport>('report')));
      const closed: Record<string, number> = {};
      for (const r of final) for (const [k, v] of Object.entries(r.closedAfterReady)) closed[k] = (closed[k] ?? 0) + v;
      const rssPeak = procStats(server.pid).hwm;
      await closeSockets(clients, drain);
      return {
        kind,
        subscribed,
        connectFailures,
        bytes: Buffer.byteLength(sample),
        rssBase,
        rssConnected,
        rssPeak,
        paced,
        burst,
        closed,
      };
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
      await server.stop(30_000);
    }
  }
});

function print(results: ServerResult[], started: Date, mockmateFrameBytes: number) {
  const by = (k: Kind) => results.find((r) => r.kind === k);
  const mm = by('mockmate');
  const sio = by('socketio');
  const ws = by('ws');
  const out: string[] = [];
  out.push(
    ...reportHeader(
      'fanout',
      started,
      `N=${int(N)} subscribed sockets (one user each, booked in the slot), K=${K} events per phase, paced at ${RATE} events/s; ${PROCS} client processes.`,
    ),
  );
  out.push(processLine(`Events enter every server through Redis from a publisher in the orchestrator process.`), '');
  out.push(
    `Payload: the graphql-ws "next" frame MockMate sends for a JOIN_ROOM event (${mockmateFrameBytes} bytes); the ws baseline broadcasts those bytes, Socket.IO emits the same object (its packet adds 8 bytes).\n`,
  );

  const phaseRows = (pick: (r: ServerResult) => PhaseResult, withThroughput: boolean) =>
    results.map((r) => {
      const p = pick(r);
      return [
        LABEL[r.kind],
        `${int(p.delivered)} / ${int(p.expected)}`,
        ...(withThroughput ? [`${p.seconds.toFixed(2)} s`, int(p.throughput)] : []),
        ...latencyCells(p),
      ];
    });
  out.push(`### Burst: K=${K} events back to back (throughput)\n`);
  out.push(
    table(
      [
        'server',
        'delivered / expected',
        'last receipt',
        'msgs/s',
        'p50',
        'p95',
        'p99',
        'max',
        'server CPU',
        'clients CPU',
      ],
      phaseRows((r) => r.burst, true),
    ),
  );
  out.push(`\n### Paced: K=${K} events at ${RATE}/s (latency publish → receipt)\n`);
  out.push(
    table(
      ['server', 'delivered / expected', 'p50', 'p95', 'p99', 'max', 'server CPU', 'clients CPU'],
      phaseRows((r) => r.paced, false),
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
        `RSS with sockets (after GC)`,
        'per socket',
        'peak RSS',
      ],
      results.map((r) => [
        LABEL[r.kind],
        `${int(r.subscribed)} / ${int(N)}`,
        r.bytes,
        mb(r.rssBase),
        mb(r.rssConnected),
        kb((r.rssConnected - r.rssBase) / Math.max(1, r.subscribed)),
        mb(r.rssPeak),
      ]),
    ),
  );
  const rows: string[][] = [];
  if (mm && sio)
    rows.push([
      'throughput ≥ 1.0× Socket.IO',
      `${int(mm.burst.throughput)} vs ${int(sio.burst.throughput)} msg/s`,
      ratio(mm.burst.throughput, sio.burst.throughput),
      verdict(mm.burst.throughput >= sio.burst.throughput),
    ]);
  if (mm && ws)
    rows.push([
      'throughput ≥ 0.8× bare ws',
      `${int(mm.burst.throughput)} vs ${int(ws.burst.throughput)} msg/s`,
      ratio(mm.burst.throughput, ws.burst.throughput),
      verdict(mm.burst.throughput >= 0.8 * ws.burst.throughput),
    ]);
  // Under a loaded machine wall-clock throughput follows the CPU share each server got; CPU per message does not.
  const cpuPerMessage = (r: ServerResult) =>
    ((r.burst.serverCpu / 100) * r.burst.seconds * 1e6) / Math.max(1, r.burst.delivered);
  if (mm && sio)
    rows.push([
      '(server CPU per delivered message, burst)',
      `${cpuPerMessage(mm).toFixed(1)} vs ${cpuPerMessage(sio).toFixed(1)} µs`,
      `Socket.IO ÷ MockMate ${ratio(cpuPerMessage(sio), cpuPerMessage(mm))}`,
      '',
    ]);
  const perSocket = (r: ServerResult) => (r.rssConnected - r.rssBase) / Math.max(1, r.subscribed);
  if (mm && sio)
    rows.push([
      'RSS per subscribed socket ≤ 2× Socket.IO',
      `${kb(perSocket(mm))} vs ${kb(perSocket(sio))}`,
      ratio(perSocket(mm), perSocket(sio)),
      verdict(perSocket(mm) <= 2 * perSocket(sio)),
    ]);
  if (mm)
    rows.push([
      `p99 < 200 ms (paced, ${RATE} events/s)`,
      msf(mm.paced.p99),
      sio ? `Socket.IO ${msf(sio.paced.p99)}` : '',
      verdict(mm.paced.p99 < 200 && mm.paced.delivered === mm.paced.expected),
    ]);
  if (mm)
    rows.push([
      'every event to every socket',
      `${int(mm.paced.delivered + mm.burst.delivered)} / ${int(mm.paced.expected + mm.burst.expected)}`,
      '',
      verdict(
        mm.paced.delivered === mm.paced.expected && mm.burst.delivered === mm.burst.expected && mm.subscribed === N,
      ),
    ]);
  out.push(`\n### Targets (MockMate)\n`);
  out.push(table(['target', 'measured', 'ratio / baseline', 'result'], rows));
  const notes = results.filter(
    (r) => Object.keys(r.connectFailures).length || Object.keys(r.closed).filter((k) => !k.startsWith('1000')).length,
  );
  for (const r of notes)
    out.push(
      `\n${LABEL[r.kind]}: connect failures ${JSON.stringify(r.connectFailures)}, closed after ready ${JSON.stringify(r.closed)}`,
    );
  const saturated = results.filter((r) => r.burst.clientCpu > 90);
  if (saturated.length) {
    out.push(
      `\nNote: the load generators used >90% of their core during the burst of ${saturated.map((r) => LABEL[r.kind]).join(', ')}: that throughput is a lower bound set by the clients, not the server.`,
    );
  }
  console.log(out.join('\n'));
}
