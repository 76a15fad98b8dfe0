// npm run bench:matching — the matching rule alone on 1,000,000 waiting users,
// and one pairing run over 100,000 WAITING bookings of one slot in PostgreSQL.
// Baselines measured in the same run: a plain comparator sort of the same
// entries (pure), and a bulk INSERT of the same number of rows (database).
// The starter questions are loaded, as every app start does, so the run assigns questions too.
// Server CPU: what the scratch database's backends used (from /proc), for the run and the baseline,
// which load changes far less than wall time.
// Env: BENCH_DATABASE_URL (server to create a scratch database on), PURE_N, DB_N.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createEvents } from '../src/services/events.js';
import { createMatching } from '../src/services/matching.js';
import { loadStarterQuestions } from '../src/services/questions.js';
import { createDatabase } from '../src/infra/db.js';
import { createUserRows } from '../src/services/user-rows.js';
import { createLogger } from '../src/infra/logger.js';
import { migrate } from '../src/infra/migrate.js';
import { loadConfig } from '../src/config.js';
import { DIFFICULTY_ORDER, difficultyRank, matchWaitingRoom, type WaitingEntry } from '../src/domain/matching.js';
import { PubSub } from 'graphql-subscriptions';
import { procStats } from './support.js';

const PURE_N = Number(process.env['PURE_N'] ?? 1_000_000);
const DB_N = Number(process.env['DB_N'] ?? 100_000);
const ADMIN_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const ms = (t0: number) => performance.now() - t0;
const fmt = (x: number) => `${x.toFixed(0)} ms`;
const cpu = (x: number) => `${(x / 1000).toFixed(1)} s`;

function entries(n: number): WaitingEntry[] {
  const t = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    id: `b${i}`,
    difficulty: DIFFICULTY_ORDER[Math.floor(Math.random() * 3)]!,
    joinedAt: t + Math.floor(Math.random() * 600_000),
  }));
}

function pure() {
  const room = entries(PURE_N);
  const best = (f: () => void) =>
    Math.min(
      ...[0, 1, 2].map(() => {
        const t0 = performance.now();
        f();
        return ms(t0);
      }),
    );
  const rule = best(() => matchWaitingRoom(room));
  const baseline = best(() =>
    [...room].sort(
      (a, b) =>
        difficultyRank(a.difficulty) - difficultyRank(b.difficulty) ||
        Number(a.joinedAt) - Number(b.joinedAt) ||
        (a.id < b.id ? -1 : 1),
    ),
  );
  return { rule, baseline };
}

/** CPU ms used so far by each backend connected to `db`. */
async function backendCpu(admin: pg.Client, db: string): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [db]);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, procStats(pid).cpuMs);
    } catch {
      // Gone between the query and the read.
    }
  }
  return cpu;
}
const cpuSince = (before: Map<number, number>, after: Map<number, number>) =>
  [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);

async function database() {
  const name = `mm_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    await migrate(url.toString());
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    const slotId = randomUUID();
    await c.query(
      `INSERT INTO "Slot" (id, "startsAt", "endsAt", type) VALUES ($1, now() + interval '5 minutes', now() + interval '65 minutes', 'TECHNICAL')`,
      [slotId],
    );
    const userIds = Array.from({ length: DB_N }, () => randomUUID());
    await c.query(
      `INSERT INTO "User" (id, email, name, "passwordHash", "updatedAt") SELECT u, u::text || '@bench.test', 'bench', 'x', now() FROM unnest($1::uuid[]) u`,
      [userIds],
    );
    // Baseline: one bulk insert of DB_N rows (the bookings themselves).
    const cpu0 = await backendCpu(admin, name);
    const t0 = performance.now();
    await c.query(
      `INSERT INTO "Booking" (id, "slotId", "userId", difficulty, status, "joinedAt", "updatedAt")
       SELECT gen_random_uuid(), $1, u, (ARRAY['EASY','MEDIUM','HARD']::"Difficulty"[])[1 + floor(random() * 3)::int], 'WAITING',
              now() - random() * interval '10 minutes', now()
       FROM unnest($2::uuid[]) u`,
      [slotId, userIds],
    );
    const baseline = ms(t0);
    const baselineCpu = cpuSince(cpu0, await backendCpu(admin, name));
    await c.query('ANALYZE');
    await c.end();

    const config = loadConfig({ DATABASE_URL: url.toString(), JWT_SECRET: 'x'.repeat(40), NODE_ENV: 'test' });
    const database = createDatabase(url.toString());
    const { db, sql } = database;
    const log = createLogger('warn');
    const pubsub = new PubSub();
    const users = createUserRows({ sql, pubsub, listenEpoch: () => 0, log });
    const events = createEvents({ db, sql, pubsub, users, log });
    const matching = createMatching({ db, events, config });
    await loadStarterQuestions(db);
    const cpu1 = await backendCpu(admin, name);
    const node1 = process.cpuUsage();
    const t1 = performance.now();
    const interviews = await matching.pairSlot(slotId);
    const run = ms(t1);
    const runCpu = cpuSince(cpu1, await backendCpu(admin, name));
    const nodeCpu = (({ user, system }) => (user + system) / 1000)(process.cpuUsage(node1));
    const assigned = await db.assignedQuestion.count();
    const stored = await db.event.count({ where: { type: 'MATCHED' } });
    await database.close();
    return { run, baseline, runCpu, baselineCpu, nodeCpu, assigned, stored, interviews: interviews.length };
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const p = pure();
const d = await database();
console.log('\nmatching benchmark (' + new Date().toISOString() + ')\n');
console.log('| what | n | time | baseline (same run) | ratio | target |');
console.log('|---|---|---|---|---|---|');
console.log(
  `| matching rule (pure) | ${PURE_N.toLocaleString('en')} | ${fmt(p.rule)} | comparator sort ${fmt(p.baseline)} | ${(p.rule / p.baseline).toFixed(2)}× | < 1000 ms: ${p.rule < 1000 ? 'met' : 'missed'} |`,
);
console.log(
  `| pairSlot job run (PostgreSQL) | ${DB_N.toLocaleString('en')} | ${fmt(d.run)} | bulk insert of the bookings ${fmt(d.baseline)} | ${(d.run / d.baseline).toFixed(2)}× | < 5000 ms: ${d.run < 5000 ? 'met' : 'missed'} |`,
);
console.log(
  `| pairSlot database CPU | ${DB_N.toLocaleString('en')} | ${cpu(d.runCpu)} | bulk insert ${cpu(d.baselineCpu)} | ${(d.runCpu / d.baselineCpu).toFixed(2)}× | |`,
);
console.log(
  `\n${d.interviews.toLocaleString('en')} interviews created, ${d.stored.toLocaleString('en')} MATCHED events stored, ${d.assigned.toLocaleString('en')} questions assigned; the run's own process used ${cpu(d.nodeCpu)} CPU.`,
);
