// npm run bench:e2e — two API instances (JOBS_ENABLED=true, MATCH_INTERVAL
// '1 second') sharing PostgreSQL and Redis; USERS users join ROOMS waiting
// rooms spread evenly over DURATION_S; report the time from sending
// joinWaitingRoom to receiving MATCHED (p50/p99) and check that every
// pairable user was matched, exactly once (2 × floor(joined / 2) per room:
// the matching rule pairs everyone in a room, an odd one out keeps waiting).
//
// Each user subscribes `events(after: "0")` on one instance and joins over
// HTTP on the other, so the MATCHED crosses instances; whichever instance
// holds the job lock runs the pairing.
// Baseline in the same run: the same load against ONE instance (fresh users
// and rooms), so the ratio shows what the second instance and the
// cross-instance hop cost. Floor for both: a join waits for the next match
// run, on average half the interval.
//
// Settings (env or --name=value): USERS=500 DURATION_S=60 ROOMS=5 DRAIN_S=30
// BASELINE=1 (0 skips the single-instance run) MATCH_INTERVAL="1 second"
import {
  insertBookings,
  insertSlot,
  insertUsers,
  int,
  intSetting,
  main,
  mintTokens,
  msf,
  now,
  percentile,
  reportHeader,
  sleep,
  spawnChild,
  strSetting,
  table,
  verdict,
  waitDbIdle,
  PIN,
  type Child,
} from './support.js';
import { startBench } from './scratch-app.js';

const USERS = intSetting('USERS', 500);
const DURATION_MS = intSetting('DURATION_S', 60) * 1000;
const ROOMS = Math.max(1, intSetting('ROOMS', 5));
const DRAIN_MS = intSetting('DRAIN_S', 30) * 1000;
const BASELINE = intSetting('BASELINE', 1) !== 0;
const MATCH_INTERVAL = strSetting('MATCH_INTERVAL', '1 second');

interface UserReport {
  userId: string;
  peerId: string | null;
  room: number;
  joined: boolean;
  joinError: string | null;
  joinSentAt: number | null;
  joinMs: number | null;
  matchedAt: number | null;
  matchedCount: number;
}

interface RunResult {
  label: string;
  instances: number;
  connected: number;
  joined: number;
  joinErrors: Record<string, number>;
  pairable: number;
  matched: number;
  duplicates: number;
  latencies: number[];
  /** MATCHED received − the later of the two joins of the pair (the system's share: tick wait + pairing + delivery). */
  pairLatencies: number[];
  joinP50: number;
  db: { matchedBookings: number; waiting: number; interviews: number; badInterviews: number; waitingOverOne: number };
  closedEarly: Record<string, number>;
  drainMs: number;
}

await main(async () => {
  const started = new Date();
  console.error(
    `bench:e2e USERS=${USERS} over ${DURATION_MS / 1000} s into ${ROOMS} rooms, MATCH_INTERVAL=${MATCH_INTERVAL}; seeding…`,
  );
  // The seeder runs no jobs: only the instances under test match.
  const {
    db,
    env,
    app: seeder,
  } = await startBench('e2e', { JOBS_ENABLED: 'true', MATCH_INTERVAL }, { JOBS_ENABLED: 'false' });
  const opensMinutes = seeder.infra.config.waitingRoomOpensMinutes;

  // Deterministic difficulties, so two invocations get the same rooms.
  let seed = 42;
  const random = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const difficulties = ['EASY', 'MEDIUM', 'HARD'];

  async function seedRun() {
    const users = await insertUsers(db.client, USERS);
    // Rooms open now (they open `opensMinutes` before the start) and stay open for the whole run.
    const startsAt = new Date(Math.floor((Date.now() + Math.max(1, opensMinutes - 1) * 60_000) / 60_000) * 60_000);
    const slotIds: string[] = [];
    for (let r = 0; r < ROOMS; r++) slotIds.push(await insertSlot(db.client, startsAt, 60));
    const bookingIds = await insertBookings(
      db.client,
      users.map((u, i) => ({
        slotId: slotIds[i % ROOMS]!,
        userId: u.id,
        difficulty: difficulties[Math.floor(random() * 3)]!,
      })),
    );
    const tokens = await mintTokens(seeder.services.accounts, users);
    return { slotIds, bookingIds, tokens, userIds: users.map((u) => u.id) };
  }

  const runs = [{ label: 'two instances', instances: 2, seeded: await seedRun() }];
  if (BASELINE) runs.push({ label: 'one instance (baseline)', instances: 1, seeded: await seedRun() });
  await db.client.query('ANALYZE');
  await seeder.stop();

  const results: RunResult[] = [];
  for (const run of runs) {
    console.error(`\n[${run.label}] starting ${run.instances} instance(s)…`);
    results.push(await runOnce(run.label, run.instances, run.seeded));
  }
  print(results, started);

  async function runOnce(
    label: string,
    instances: number,
    seeded: Awaited<ReturnType<typeof seedRun>>,
  ): Promise<RunResult> {
    const servers: Child[] = [];
    let users: Child | null = null;
    try {
      for (let i = 0; i < instances; i++) {
        servers.push(
          spawnChild(`mockmate-${i + 1}`, 'app-server.ts', {
            cpus: String(i % 2),
            env: { ...env, INSTANCE_NAME: `e2e-${i + 1}` },
          }),
        );
      }
      const ports = await Promise.all(servers.map((s) => s.ready.then((r) => r['port'] as number)));
      users = spawnChild('users', 'e2e-users.ts', {});
      await users.ready;
      const specs = seeded.tokens.map((token, i) => ({
        userId: seeded.userIds[i]!,
        token,
        bookingId: seeded.bookingIds[i]!,
        room: i % ROOMS,
        wsUrl: `ws://127.0.0.1:${ports[i % instances]}/graphql`,
        httpUrl: `http://127.0.0.1:${ports[(i + 1) % instances]}/graphql`,
        joinAfterMs: ((i + 0.5) * DURATION_MS) / USERS,
      }));
      const prep = await users.call<{ connected: number; failures: Record<string, number> }>(
        'prepare',
        { users: specs, slotIds: seeded.slotIds },
        300_000,
      );
      console.error(
        `[${label}] ${prep.connected}/${USERS} users subscribed ${JSON.stringify(prep.failures)}; joining over ${DURATION_MS / 1000} s`,
      );
      await sleep(2000);
      await users.call('run', undefined, DURATION_MS + 120_000);
      const t0 = now();
      let progress = { matched: 0, pairable: 0 };
      while (now() - t0 < DRAIN_MS) {
        progress = await users.call<{ matched: number; pairable: number }>('progress');
        if (progress.matched >= progress.pairable) break;
        await sleep(250);
      }
      const drainMs = now() - t0;
      console.error(
        `[${label}] ${progress.matched}/${progress.pairable} pairable users matched, ${msf(drainMs)} after the last join`,
      );
      await sleep(Math.min(3000, DRAIN_MS)); // room for a duplicate to show up
      const report = await users.call<{ users: UserReport[]; closedEarly: Record<string, number> }>('report');
      await users.call('close', undefined, 60_000);
      await waitDbIdle(db.client, db.name);

      const joinedPerRoom = new Map<number, number>();
      const joinErrors: Record<string, number> = {};
      for (const u of report.users) {
        if (u.joined) joinedPerRoom.set(u.room, (joinedPerRoom.get(u.room) ?? 0) + 1);
        if (u.joinError) joinErrors[u.joinError] = (joinErrors[u.joinError] ?? 0) + 1;
      }
      const pairable = [...joinedPerRoom.values()].reduce((s, n) => s + 2 * Math.floor(n / 2), 0);
      const matchedUsers = report.users.filter((u) => u.matchedAt !== null);
      const latencies = matchedUsers
        .filter((u) => u.joinSentAt !== null)
        .map((u) => u.matchedAt! - u.joinSentAt!)
        .sort((a, b) => a - b);
      const byId = new Map(report.users.map((u) => [u.userId, u]));
      const pairLatencies = matchedUsers
        .map((u) => {
          const peer = u.peerId ? byId.get(u.peerId) : undefined;
          if (!peer || u.joinSentAt === null || peer.joinSentAt === null) return NaN;
          return u.matchedAt! - Math.max(u.joinSentAt, peer.joinSentAt);
        })
        .filter((x) => Number.isFinite(x))
        .sort((a, b) => a - b);
      const joinMs = report.users
        .map((u) => u.joinMs)
        .filter((x): x is number => x !== null)
        .sort((a, b) => a - b);
      const q = (sql: string) =>
        db.client.query<{ n: string }>(sql, [seeded.slotIds]).then((r) => Number(r.rows[0]!.n));
      const dbCheck = {
        matchedBookings: await q(
          `SELECT count(*) AS n FROM "Booking" WHERE "slotId" = ANY($1::uuid[]) AND status = 'MATCHED'`,
        ),
        waiting: await q(`SELECT count(*) AS n FROM "Booking" WHERE "slotId" = ANY($1::uuid[]) AND status = 'WAITING'`),
        interviews: await q(`SELECT count(*) AS n FROM "Interview" WHERE "slotId" = ANY($1::uuid[])`),
        badInterviews: await q(
          `SELECT count(*) AS n FROM "Interview" i WHERE i."slotId" = ANY($1::uuid[]) AND (SELECT count(*) FROM "InterviewParticipant" p WHERE p."interviewId" = i.id) <> 2`,
        ),
        waitingOverOne: await q(
          `SELECT count(*) AS n FROM (SELECT "slotId" FROM "Booking" WHERE "slotId" = ANY($1::uuid[]) AND status = 'WAITING' GROUP BY "slotId" HAVING count(*) > 1) x`,
        ),
      };
      return {
        label,
        instances,
        connected: prep.connected,
        joined: [...joinedPerRoom.values()].reduce((a, b) => a + b, 0),
        joinErrors,
        pairable,
        matched: matchedUsers.length,
        duplicates: report.users.filter((u) => u.matchedCount > 1).length,
        latencies,
        pairLatencies,
        joinP50: percentile(joinMs, 50),
        db: dbCheck,
        closedEarly: report.closedEarly,
        drainMs,
      };
    } finally {
      await users?.stop();
      await Promise.all(servers.map((s) => s.stop(30_000)));
    }
  }
});

function print(results: RunResult[], started: Date) {
  const out: string[] = [];
  out.push(
    ...reportHeader(
      'e2e',
      started,
      `${int(USERS)} users per run joining ${ROOMS} waiting rooms (round-robin, random difficulty), one join every ${msf(DURATION_MS / USERS)} over ${DURATION_MS / 1000} s; MATCH_INTERVAL=${MATCH_INTERVAL}, JOBS_ENABLED=true on every instance.`,
    ),
  );
  out.push(
    `Processes: ${PIN ? 'instance 1 pinned to CPU 0 and instance 2 to CPU 1 (taskset); the users process (all sockets and joins), PostgreSQL and Redis are unpinned' : 'no CPU pinning'}. Users subscribe on one instance and join over HTTP on the other. join→MATCHED = MATCHED received − own joinWaitingRoom sent (includes waiting for a partner to arrive: one join per room every ${msf((DURATION_MS * ROOMS) / USERS)}); pair ready→MATCHED = MATCHED received − the later join of the pair (the system's share; its floor is the wait for the next match run, on average half of MATCH_INTERVAL).\n`,
  );
  out.push(
    table(
      [
        'run',
        'users joined',
        'pairable',
        'matched',
        'duplicates',
        'join→MATCHED p50',
        'p90',
        'p99',
        'max',
        'pair ready→MATCHED p50',
        'p99',
        'join request p50',
        'DB: MATCHED / interviews / WAITING',
      ],
      results.map((r) => [
        r.label,
        `${int(r.joined)} / ${int(USERS)}`,
        int(r.pairable),
        int(r.matched),
        int(r.duplicates),
        msf(percentile(r.latencies, 50)),
        msf(percentile(r.latencies, 90)),
        msf(percentile(r.latencies, 99)),
        msf(r.latencies.at(-1) ?? NaN),
        msf(percentile(r.pairLatencies, 50)),
        msf(percentile(r.pairLatencies, 99)),
        msf(r.joinP50),
        `${int(r.db.matchedBookings)} / ${int(r.db.interviews)} / ${int(r.db.waiting)}`,
      ]),
    ),
  );
  const two = results.find((r) => r.instances === 2);
  const one = results.find((r) => r.instances === 1);
  if (two) {
    const allMatched =
      two.matched === two.pairable &&
      two.duplicates === 0 &&
      two.db.matchedBookings === two.pairable &&
      two.db.interviews * 2 === two.pairable &&
      two.db.badInterviews === 0 &&
      two.db.waitingOverOne === 0 &&
      two.joined === USERS;
    const rows: string[][] = [
      [
        'every pairable user matched, once',
        `${int(two.matched)} of ${int(two.pairable)}, ${two.duplicates} duplicates; DB ${int(two.db.matchedBookings)} MATCHED bookings, ${int(two.db.interviews)} interviews, ≤ 1 waiting per room: ${two.db.waitingOverOne === 0 ? 'yes' : 'no'}`,
        '',
        verdict(allMatched),
      ],
    ];
    const cmp = (name: string, pick: (r: RunResult) => number[], p: number) => {
      const a = percentile(pick(two), p);
      const b = one ? percentile(pick(one), p) : NaN;
      rows.push([
        `${name} p${p} (no target)`,
        msf(a),
        one ? `one instance ${msf(b)} (${(a / b).toFixed(2)}×)` : '',
        '',
      ]);
    };
    cmp('join→MATCHED', (r) => r.latencies, 50);
    cmp('join→MATCHED', (r) => r.latencies, 99);
    cmp('pair ready→MATCHED', (r) => r.pairLatencies, 50);
    cmp('pair ready→MATCHED', (r) => r.pairLatencies, 99);
    out.push('\n### Targets (two instances)\n');
    out.push(table(['check', 'measured', 'baseline', 'result'], rows));
  }
  for (const r of results) {
    if (Object.keys(r.joinErrors).length) out.push(`\n${r.label}: join errors ${JSON.stringify(r.joinErrors)}`);
    if (Object.keys(r.closedEarly).length)
      out.push(`\n${r.label}: sockets closed by the server during the run ${JSON.stringify(r.closedEarly)}`);
    if (r.connected < USERS) out.push(`\n${r.label}: only ${r.connected}/${USERS} users could subscribe`);
  }
  console.log(out.join('\n'));
}
