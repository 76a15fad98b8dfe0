// A job whose interval changed between starts runs on its new schedule at once,
// not when the old interval would have run it next (issue 9, item 17).
import { startScheduler, type JobDefinition } from '../src/jobs/scheduler.js';
import { createLogger } from '../src/infra/logger.js';
import { createMetrics } from '../src/infra/metrics.js';
import { migrate } from '../src/infra/migrate.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { within } from './support/spawn.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.url);
});
afterAll(async () => {
  await db?.drop();
});

/** A job that resolves `ran` each time it runs. */
function probeJob(name: string, every: string) {
  let runs = 0;
  const waiters: (() => void)[] = [];
  const job: JobDefinition = {
    name,
    every,
    run: async () => {
      runs++;
      for (const w of waiters.splice(0)) w();
    },
  };
  return { job, runs: () => runs, nextRun: () => new Promise<void>((r) => waiters.push(r)) };
}

const start = (jobs: JobDefinition[]) =>
  startScheduler({
    databaseUrl: db.url,
    poolSize: 2,
    instanceName: 'jobs-test',
    jobs,
    log: createLogger('silent'),
    metrics: createMetrics(),
  });

const nextRunAt = async (name: string) =>
  (await db.query<{ next_run_at: Date }>(`SELECT next_run_at FROM agenda_jobs WHERE name = $1`, [name]))[0]!
    .next_run_at;

it('MATCH_INTERVAL changed from "1 hour" to "2 seconds": the job runs on the new schedule after a restart', async () => {
  const first = probeJob('match-probe', '1 hour');
  const steady = probeJob('steady-probe', '1 hour');
  const firstRun = Promise.all([first.nextRun(), steady.nextRun()]);
  let scheduler = await start([first.job, steady.job]);
  // A new job runs once at once; the next run is then an hour away.
  await within(firstRun, 15_000, 'the first runs');
  await scheduler.stop();
  expect((await nextRunAt('match-probe')).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
  const steadyNext = await nextRunAt('steady-probe');

  const faster = probeJob('match-probe', '2 seconds');
  const unchanged = probeJob('steady-probe', '1 hour');
  const ranAgain = faster.nextRun();
  scheduler = await start([faster.job, unchanged.job]);
  try {
    await within(ranAgain, 15_000, 'a run on the new interval');
    // And again, two seconds later: the schedule is the new one.
    await within(faster.nextRun(), 15_000, 'the run after');
    expect(unchanged.runs()).toBe(0);
    expect(await nextRunAt('steady-probe')).toEqual(steadyNext);
  } finally {
    await scheduler.stop();
  }
});
