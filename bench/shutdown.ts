// npm run bench:shutdown — what SERVER_SHUTDOWN costs at stop. One API
// process (bench/app-server.ts) holds N signed-in sockets; app.stop() is
// asked over IPC and the clients time, from that moment: the last
// SERVER_SHUTDOWN received, the last socket closed (1001), the process exit.
// Baseline in the same run, same N: the same sockets with no subscription,
// so the stop only closes them (what stop() did before SERVER_SHUTDOWN).
//
// Settings (env or --name=value): N=1000 SOCKETS_PER_USER=10
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  appEnv,
  createScratchDatabase,
  insertUsers,
  intSetting,
  machineLine,
  main,
  msf,
  now,
  spawnChild,
  table,
} from './support.js';

const N = intSetting('N', 1000);
const PER_USER = Math.min(10, Math.max(1, intSetting('SOCKETS_PER_USER', 10)));

interface Run {
  shutdownReceived: number;
  lastShutdownMs: number;
  lastCloseMs: number;
  exitMs: number;
  closeCodes: Set<number>;
}

async function run(subscribe: boolean): Promise<Run> {
  const db = await createScratchDatabase(subscribe ? 'shutdown' : 'shutdown_base');
  const server = spawnChild('server', 'app-server.ts', { env: appEnv(db.url) });
  const { port } = (await server.ready) as { port: number };
  const users = await insertUsers(db.client, Math.ceil(N / PER_USER));
  const url = `http://127.0.0.1:${port}/graphql`;
  const tokens: string[] = [];
  for (const u of users) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($t: String!) { refreshSession(refreshToken: $t) { token } }',
        variables: { t: u.refreshToken },
      }),
    });
    tokens.push(((await res.json()) as { data: { refreshSession: { token: string } } }).data.refreshSession.token);
  }
  let stopAt = 0;
  const r: Run = { shutdownReceived: 0, lastShutdownMs: 0, lastCloseMs: 0, exitMs: 0, closeCodes: new Set() };
  const connected: Promise<void>[] = [];
  const closed: Promise<void>[] = [];
  for (let i = 0; i < N; i++) {
    let onClosed!: () => void;
    closed.push(new Promise((res) => (onClosed = res)));
    let onConnected!: () => void;
    connected.push(new Promise((res) => (onConnected = res)));
    const client = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${tokens[Math.floor(i / PER_USER)]}` },
      onNonLazyError: () => {},
      on: {
        connected: () => onConnected(),
        closed: (e) => {
          r.closeCodes.add((e as { code: number }).code);
          r.lastCloseMs = Math.max(r.lastCloseMs, now() - stopAt);
          onClosed();
        },
      },
    });
    if (subscribe) {
      client.subscribe(
        { query: 'subscription { events { id type } }' },
        {
          next: (m) => {
            if ((m.data as { events: { type: string } }).events.type === 'SERVER_SHUTDOWN') {
              r.shutdownReceived++;
              r.lastShutdownMs = Math.max(r.lastShutdownMs, now() - stopAt);
            }
          },
          error: () => {},
          complete: () => {},
        },
      );
    }
  }
  await Promise.all(connected);
  // The server registers a subscription after its `subscribe` message arrives: wait until it counts them all.
  if (subscribe) await waitForSubscriptions(port, N);
  stopAt = now();
  await server.stop(20_000);
  r.exitMs = now() - stopAt;
  await Promise.all(closed);
  await db.drop();
  return r;
}

async function waitForSubscriptions(port: number, n: number) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const m = /mockmate_graphql_active_subscriptions\{field="events"\} (\d+)/.exec(text);
    if (m && Number(m[1]) >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${m?.[1] ?? 0} of ${n} subscriptions active`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

await main(async () => {
  console.error(`bench:shutdown N=${N} SOCKETS_PER_USER=${PER_USER}`);
  const base = await run(false);
  const withNotice = await run(true);
  console.log(`## bench:shutdown (${machineLine()})\n`);
  console.log(
    table(
      [
        'stop() with N sockets',
        'N',
        'SERVER_SHUTDOWN received',
        'last SERVER_SHUTDOWN',
        'last socket closed',
        'process exited',
        'close codes',
      ],
      [
        [
          'baseline: sockets only',
          N,
          '—',
          '—',
          msf(base.lastCloseMs),
          msf(base.exitMs),
          [...base.closeCodes].join(','),
        ],
        [
          'each subscribed to `events`',
          N,
          withNotice.shutdownReceived,
          msf(withNotice.lastShutdownMs),
          msf(withNotice.lastCloseMs),
          msf(withNotice.exitMs),
          [...withNotice.closeCodes].join(','),
        ],
      ],
    ),
  );
  if (withNotice.shutdownReceived !== N)
    throw new Error(`only ${withNotice.shutdownReceived} of ${N} clients got SERVER_SHUTDOWN`);
});
