// npm run bench:http — the request path under autocannon: MockMate's `me`
// (authenticated query) and `bookSlot` (authenticated transactional write),
// against a bare graphql-yoga server in the same run answering `{ hello }` and
// doing the same Prisma write (booking.upsert) as baselines.
//
// bookSlot allows one booking per user and slot and no overlapping bookings,
// so every request books a fresh (user, slot) pair: USERS users × enough
// back-to-back 15-minute slots, request k = user k mod USERS into slot
// floor(k / USERS). Each request is a valid booking; every response body is
// checked (data, no errors) and the bookings are counted in the database after.
// The bare write gets its own slots (20 days later) and the same pair order.
//
// Settings (env or --name=value): DURATION_S=20 WARMUP_S=3 CONNECTIONS=50
// USERS=1000 MAX_RPS=3000 (only sizes the number of slots seeded)
import {
  CLIENT_CPUS,
  SERVER_CPUS,
  cpuPercent,
  insertSlot,
  insertUsers,
  int,
  intSetting,
  main,
  mintTokens,
  msf,
  procStats,
  processLine,
  ratio,
  reportHeader,
  spawnChild,
  table,
  verdict,
  waitDbIdle,
  type Child,
} from './support.js';
import { startBench } from './scratch-app.js';

const DURATION_S = intSetting('DURATION_S', 20);
const WARMUP_S = intSetting('WARMUP_S', 3);
const CONNECTIONS = intSetting('CONNECTIONS', 50);
const USERS = Math.max(1, intSetting('USERS', 1000));
const MAX_RPS = intSetting('MAX_RPS', 3000);
const SLOTS = Math.ceil((MAX_RPS * (DURATION_S + WARMUP_S)) / USERS) + 1;

type Target = 'hello' | 'me' | 'write' | 'bookSlot';

interface RunResult {
  target: Target;
  rps: number;
  total: number;
  seconds: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  firstBad: string | null;
  exhausted: boolean;
  serverCpu: number;
  loadCpu: number;
  /** Successful responses of the warm-up and the measured run together. */
  okWithWarmUp: number;
}

await main(async () => {
  const started = new Date();
  console.error(
    `bench:http ${DURATION_S} s per target (+${WARMUP_S} s warm-up), ${CONNECTIONS} connections, ${USERS} users × ${SLOTS} slots; seeding…`,
  );
  const { db, env, app } = await startBench('http');
  const users = await insertUsers(db.client, USERS);
  const tokens = await mintTokens(app.services.accounts, users);
  const userIds = users.map((u) => u.id);
  const t0 = Math.ceil((Date.now() + 86_400_000) / 3_600_000) * 3_600_000;
  const appSlots: string[] = [];
  const bareSlots: string[] = [];
  for (let i = 0; i < SLOTS; i++) {
    appSlots.push(await insertSlot(db.client, new Date(t0 + i * 15 * 60_000), 15));
    bareSlots.push(await insertSlot(db.client, new Date(t0 + 20 * 86_400_000 + i * 15 * 60_000), 15));
  }
  await db.client.query('ANALYZE');
  await app.stop();

  const load = spawnChild('autocannon', 'http-load.ts', { cpus: CLIENT_CPUS });
  await load.ready;
  const results: RunResult[] = [];

  const measure = async (server: Child, url: string, target: Target, slotIds: string[]) => {
    const arg = { url, target, connections: CONNECTIONS, tokens, userIds, slotIds };
    type Raw = Omit<RunResult, 'target' | 'serverCpu' | 'loadCpu' | 'okWithWarmUp'>;
    const okOf = (r: Raw) => r.total - r.mismatches - r.non2xx;
    const warm =
      WARMUP_S > 0 ? await load.call<Raw>('run', { ...arg, durationS: WARMUP_S }, (WARMUP_S + 60) * 1000) : null;
    const s0 = procStats(server.pid);
    const l0 = procStats(load.pid);
    const w0 = performance.now();
    const r = await load.call<Raw>('run', { ...arg, durationS: DURATION_S }, (DURATION_S + 60) * 1000);
    const wall = performance.now() - w0;
    const res: RunResult = {
      ...r,
      target,
      okWithWarmUp: okOf(r) + (warm ? okOf(warm) : 0),
      serverCpu: cpuPercent([s0], [procStats(server.pid)], wall),
      loadCpu: cpuPercent([l0], [procStats(load.pid)], wall),
    };
    console.error(
      `[${target}] ${int(res.rps)} req/s, p50 ${msf(res.p50)} p99 ${msf(res.p99)}, bad ${res.mismatches}, non-2xx ${res.non2xx}, server CPU ${res.serverCpu.toFixed(0)}%`,
    );
    if (res.firstBad) console.error(`[${target}] first bad response: ${res.firstBad}`);
    results.push(res);
  };

  /** A read target, then the write target on fresh pairs, against one server; stops it after. */
  const measureServer = async (server: Child, read: Target, write: Target, slotIds: string[]) => {
    try {
      const { port } = (await server.ready) as { port: number };
      const url = `http://127.0.0.1:${port}/graphql`;
      await measure(server, url, read, []);
      await load.call('resetPairs');
      await measure(server, url, write, slotIds);
      await waitDbIdle(db.client, db.name);
    } finally {
      await server.stop();
    }
  };
  const bareEnv = { DATABASE_URL: db.url };
  await measureServer(
    spawnChild('bare-yoga', 'bare-yoga.ts', { cpus: SERVER_CPUS, env: bareEnv }),
    'hello',
    'write',
    bareSlots,
  );
  await measureServer(spawnChild('mockmate', 'app-server.ts', { cpus: SERVER_CPUS, env }), 'me', 'bookSlot', appSlots);
  await load.stop();

  const count = async (slots: string[]) =>
    Number(
      (
        await db.client.query<{ n: string }>(`SELECT count(*) AS n FROM "Booking" WHERE "slotId" = ANY($1::uuid[])`, [
          slots,
        ])
      ).rows[0]!.n,
    );
  const stored = { write: await count(bareSlots), bookSlot: await count(appSlots) };
  print(results, started, stored);
});

function print(results: RunResult[], started: Date, stored: { write: number; bookSlot: number }) {
  const by = (t: Target) => results.find((r) => r.target === t)!;
  const LABEL: Record<Target, string> = {
    hello: 'bare yoga `{ hello }`',
    me: 'MockMate `me` (token)',
    write: 'bare yoga Prisma `booking.upsert`',
    bookSlot: 'MockMate `bookSlot` (token)',
  };
  const out: string[] = [];
  out.push(
    ...reportHeader(
      'http',
      started,
      `autocannon, ${CONNECTIONS} connections, pipelining 1, ${DURATION_S} s per target after a ${WARMUP_S} s warm-up; ${int(USERS)} users with real sessions, tokens rotated per request; every response body checked.`,
    ),
  );
  out.push(processLine('One server at a time; autocannon runs in its own process.'), '');
  out.push(
    `bookSlot load: request k books user k mod ${USERS} into slot floor(k / ${USERS}) of ${SLOTS} back-to-back 15-minute slots, so every request is a valid new booking (no repeat, no overlap); the bare write does the same pairs on its own slots.\n`,
  );
  out.push(
    table(
      [
        'target',
        'req/s',
        'p50',
        'p90',
        'p99',
        'max',
        'requests',
        'non-2xx',
        'bad bodies',
        'errors',
        'server CPU',
        'autocannon CPU',
      ],
      results.map((r) => [
        LABEL[r.target],
        int(r.rps),
        msf(r.p50),
        msf(r.p90),
        msf(r.p99),
        msf(r.max),
        int(r.total),
        r.non2xx,
        r.mismatches,
        r.errors + r.timeouts,
        `${r.serverCpu.toFixed(0)}%`,
        `${r.loadCpu.toFixed(0)}%`,
      ]),
    ),
  );
  const hello = by('hello');
  const me = by('me');
  const write = by('write');
  const book = by('bookSlot');
  const clean = (r: RunResult) =>
    r.non2xx === 0 && r.mismatches === 0 && r.errors === 0 && r.timeouts === 0 && !r.exhausted;
  out.push('\n### Targets\n');
  out.push(
    table(
      ['target', 'measured', 'baseline', 'ratio', 'result'],
      [
        [
          '`me` ≥ 0.7× bare hello',
          `${int(me.rps)} req/s`,
          `${int(hello.rps)} req/s`,
          ratio(me.rps, hello.rps),
          verdict(me.rps >= 0.7 * hello.rps && clean(me)),
        ],
        [
          '`bookSlot` ≥ 0.5× bare write',
          `${int(book.rps)} req/s`,
          `${int(write.rps)} req/s`,
          ratio(book.rps, write.rps),
          verdict(book.rps >= 0.5 * write.rps && clean(book)),
        ],
      ],
    ),
  );
  out.push(
    `\nBookings in the database: bookSlot ${int(stored.bookSlot)} for ${int(book.okWithWarmUp)} successful responses, bare write ${int(stored.write)} for ${int(write.okWithWarmUp)} (warm-up included; a surplus is requests still in flight when autocannon stopped, a deficit would be a lost write).`,
  );
  for (const r of results.filter((r) => r.exhausted))
    out.push(
      `\n${LABEL[r.target]}: ran out of fresh (user, slot) pairs — raise MAX_RPS or USERS; the result is not valid.`,
    );
  console.log(out.join('\n'));
}
