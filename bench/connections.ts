// npm run bench:connections — ramp to N concurrent authenticated
// subscriptions (`waitingRoom(slotId)`) on one server process, hold them idle,
// and report RSS per idle subscribed socket and the connect rate. Baselines in
// the same run with the same N: Socket.IO 4 (+ redis-adapter, every socket
// in one room) and a bare `ws` server holding plain sockets.
//
// MockMate allows at most 10 open sockets per user (4429), so the sockets are
// spread over ceil(N / SOCKETS_PER_USER) users (default 5 each: 2,000 users
// for 10,000 sockets). Every socket authenticates (connection_init with a
// real access token) and subscribes; a probe event published through Redis
// must reach every one of them before memory is measured.
//
// RSS per socket = (RSS with N sockets held − RSS after a warm-up batch was
// connected and closed), both after full GCs (--expose-gc), divided by N.
// Connect rate = N / (first connect attempt → last socket subscribed).
//
// Settings (env or --name=value): N=10000 SOCKETS_PER_USER=5 CLIENT_PROCS=2
// CONNECT_CONCURRENCY=200 (in flight, all processes) HOLD_S=10 WARMUP_SOCKETS=100
// SERVERS=mockmate,socketio,ws
import {
  cpuPercent,
  int,
  intSetting,
  kb,
  main,
  mb,
  msf,
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
  probe,
  seedRoom,
  startClients,
  startServer,
  sum,
  warmUp,
  wsSettings,
  type Kind,
} from './ws-session.js';

const N = intSetting('N', 10_000);
const PER_USER = Math.min(10, Math.max(1, intSetting('SOCKETS_PER_USER', 5)));
const HOLD_MS = intSetting('HOLD_S', 10) * 1000;
const { PROCS, CONCURRENCY, WARMUP, SERVERS } = wsSettings(N, KINDS.join(','));
const USERS = Math.ceil(N / PER_USER);

interface Result {
  kind: Kind;
  ready: number;
  subscribed: number;
  held: number;
  failures: Record<string, number>;
  rampMs: number;
  rate: number;
  rampCpu: number;
  rssBase: number;
  rssHeld: number;
  perSocket: number;
  rssPeak: number;
}

await main(async () => {
  const started = new Date();
  console.error(`bench:connections N=${N} over ${USERS} users, ${PROCS} client processes; seeding…`);
  const { db, env, app } = await startBench('conn');
  const { slotId, tokens, counts } = await seedRoom(app, db.client, USERS);
  const { names, publish } = await createPublishers(app, slotId, counts);

  const results: Result[] = [];
  for (const kind of SERVERS) {
    if (!publish[kind]) throw new Error(`unknown server ${kind}; use ${KINDS.join(', ')}`);
    console.error(`\n[${kind}] starting server…`);
    const { child: server, url: urlP } = startServer(kind, env, names);
    // MockMate runs a presence transaction per closed socket: wait for the database to go quiet.
    const drain = () => (kind === 'mockmate' ? waitDbIdle(db.client, db.name) : sleep(500));
    let clients: Child[] = [];
    try {
      const url = await urlP;
      clients = await startClients(PROCS);
      await warmUp(clients, kind, url, publish[kind], { tokens, slotId, count: WARMUP, drain });
      await server.call('gc');
      const rssBase = procStats(server.pid).rss;
      const before = procStats(server.pid);
      const conn = await connectSockets(clients, kind, url, N, { tokens, slotId, concurrency: CONCURRENCY });
      const rampCpu = cpuPercent([before], [procStats(server.pid)], conn.rampMs);
      console.error(
        `[${kind}] ${conn.total}/${N} ready in ${msf(conn.rampMs)} (${int((conn.total * 1000) / conn.rampMs)}/s), failures ${JSON.stringify(conn.failures)}`,
      );
      const probed = await probe(clients, publish[kind], conn.total);
      console.error(
        `[${kind}] ${probed.withOne}/${conn.total} subscribed (probe ${msf(probed.ms)}); holding idle ${HOLD_MS / 1000} s`,
      );
      await sleep(HOLD_MS);
      await server.call('gc');
      const rssHeld = procStats(server.pid).rss;
      const held = sum(await Promise.all(clients.map((c) => c.call<{ open: number }>('progress').then((p) => p.open))));
      const rssPeak = procStats(server.pid).hwm;
      const r: Result = {
        kind,
        ready: conn.total,
        subscribed: probed.withOne,
        held,
        failures: conn.failures,
        rampMs: conn.rampMs,
        rate: (conn.total * 1000) / conn.rampMs,
        rampCpu,
        rssBase,
        rssHeld,
        perSocket: (rssHeld - rssBase) / Math.max(1, held),
        rssPeak,
      };
      console.error(`[${kind}] held ${held}, RSS ${mb(rssBase)} → ${mb(rssHeld)}, ${kb(r.perSocket)}/socket`);
      results.push(r);
      await closeSockets(clients, drain);
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
      await server.stop(30_000);
    }
  }
  print(results, started);
});

function print(results: Result[], started: Date) {
  const by = (k: Kind) => results.find((r) => r.kind === k);
  const mm = by('mockmate');
  const out: string[] = [];
  out.push(
    ...reportHeader(
      'connections',
      started,
      `N=${int(N)} sockets per server; MockMate's are authenticated graphql-ws subscriptions to one waiting room, spread over ${int(USERS)} users (${PER_USER} each, the server allows 10). Ramp with ${CONCURRENCY} connects in flight from ${PROCS} client processes; held idle ${HOLD_MS / 1000} s before measuring.`,
    ),
  );
  out.push(processLine(), '');
  out.push(
    'RSS per socket = (RSS holding the sockets − RSS after a warm-up batch connected and closed) / sockets held, both after full GCs.\n',
  );
  out.push(
    table(
      [
        'server',
        'subscribed (probe) / held / N',
        'ramp',
        'connects/s',
        'server CPU in ramp',
        'RSS base',
        'RSS held',
        'per socket',
        'peak RSS',
      ],
      results.map((r) => [
        LABEL[r.kind],
        `${int(r.subscribed)} / ${int(r.held)} / ${int(N)}`,
        msf(r.rampMs),
        int(r.rate),
        `${r.rampCpu.toFixed(0)}%`,
        mb(r.rssBase),
        mb(r.rssHeld),
        kb(r.perSocket),
        mb(r.rssPeak),
      ]),
    ),
  );
  if (mm) {
    const sio = by('socketio');
    const ws = by('ws');
    const rows: string[][] = [
      [
        `${int(N)} subscriptions held`,
        `${int(mm.subscribed)} subscribed, ${int(mm.held)} open`,
        '',
        verdict(mm.subscribed >= N && mm.held >= N),
      ],
      [
        '≤ 30 KB per idle subscribed socket',
        kb(mm.perSocket),
        [
          sio && `Socket.IO ${kb(sio.perSocket)} (${ratio(mm.perSocket, sio.perSocket)})`,
          ws && `ws ${kb(ws.perSocket)} (${ratio(mm.perSocket, ws.perSocket)})`,
        ]
          .filter(Boolean)
          .join(', '),
        verdict(mm.perSocket <= 30 * 1024),
      ],
      [
        'connect rate (no target)',
        `${int(mm.rate)}/s`,
        [
          sio && `Socket.IO ${int(sio.rate)}/s (${ratio(mm.rate, sio.rate)})`,
          ws && `ws ${int(ws.rate)}/s (${ratio(mm.rate, ws.rate)})`,
        ]
          .filter(Boolean)
          .join(', '),
        '',
      ],
    ];
    out.push(`\n### Targets (MockMate)\n`);
    out.push(table(['target', 'measured', 'baselines (ratio)', 'result'], rows));
  }
  for (const r of results.filter((r) => Object.keys(r.failures).length))
    out.push(`\n${LABEL[r.kind]}: connect failures ${JSON.stringify(r.failures)}`);
  console.log(out.join('\n'));
}
