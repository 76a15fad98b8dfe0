// Agenda on the application database. Each recurring job is a single row
// ('single' type), so however many instances start, every run is locked and
// executed by exactly one of them.
import { Agenda } from 'agenda';
import { PostgresBackend } from '@agendajs/postgres-backend';
import pg from 'pg';
import type { Logger } from '../infra/logger.js';
import type { Metrics } from '../infra/metrics.js';

const LOCK_LIFETIME_MS = 4_000;

export interface JobDefinition {
  name: string;
  /** Agenda interval, e.g. '10 seconds'. */
  every: string;
  run(): Promise<unknown>;
}

export interface Scheduler {
  /** Runs a job's code now in this process, outside the schedule (tests, admin triggers). */
  runNow(name: string): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startScheduler(opts: {
  databaseUrl: string;
  /** Connections of the scheduler's pool (JOBS_DB_POOL_SIZE); its LISTEN connection comes on top. */
  poolSize: number;
  instanceName: string;
  jobs: JobDefinition[];
  log: Logger;
  metrics: Metrics;
}): Promise<Scheduler> {
  const { jobs, log, metrics } = opts;
  // Our own pool, so that it has an 'error' listener from the start: the backend's own has none,
  // and an idle client losing the database would crash the process. It reconnects by itself.
  const lost = (err: Error) => log.warn({ err: err.message }, 'job scheduler lost its database connection');
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize });
  pool.on('error', lost);
  // Tables come from a migration: concurrent first starts would race creating them.
  const backend = new PostgresBackend({ pool, ensureSchema: false });
  const agenda = new Agenda({
    backend,
    name: opts.instanceName,
    processEvery: '1 second',
    // Short, with touch() while a run lasts: a dead instance's lock frees quickly, and
    // Agenda's per-run watchdog timer (lockLifetime / 2, never cleared) ends soon after stop.
    defaultLockLifetime: LOCK_LIFETIME_MS,
  });
  agenda.on('error', (err: unknown) => log.error({ err }, 'job scheduler error'));

  const byName = new Map(jobs.map((j) => [j.name, j]));
  const runMeasured = async (job: JobDefinition) => {
    const started = performance.now();
    try {
      const result = await job.run();
      metrics.jobRuns.inc({ job: job.name, outcome: 'ok' });
      log.debug({ job: job.name, durationMs: Math.round(performance.now() - started), result }, 'job ran');
      return result;
    } catch (err) {
      metrics.jobRuns.inc({ job: job.name, outcome: 'error' });
      log.error({ err, job: job.name }, 'job failed');
      throw err;
    }
  };
  // Agenda can still fire a timer it set for a due job after stop(); such a run must not touch closed pools.
  let stopped = false;
  for (const job of jobs) {
    agenda.define(
      job.name,
      async (run) => {
        if (stopped) return;
        const keepLock = setInterval(() => void run.touch().catch(() => {}), LOCK_LIFETIME_MS / 3);
        try {
          await runMeasured(job);
        } finally {
          clearInterval(keepLock);
        }
      },
      { concurrency: 1 },
    );
  }
  // The LISTEN channel re-emits its connection's errors, also with no listener; it reconnects by itself.
  backend.notificationChannel?.on('error', lost);
  await agenda.start();
  // every() stores a changed interval but keeps the next run the old one planned (an hour away,
  // say): a job whose interval changed runs at once, and from then on at its new interval.
  const { rows: stored } = await pool.query<{ name: string; repeat_interval: string | null }>(
    `SELECT name, repeat_interval FROM agenda_jobs WHERE type = 'single' AND name = ANY($1)`,
    [jobs.map((j) => j.name)],
  );
  const previous = new Map(stored.map((r) => [r.name, r.repeat_interval]));
  for (const job of jobs) {
    await agenda.every(job.every, job.name);
    if (previous.has(job.name) && previous.get(job.name) !== job.every) {
      await pool.query(`UPDATE agenda_jobs SET next_run_at = now() WHERE type = 'single' AND name = $1`, [job.name]);
      log.info({ job: job.name, from: previous.get(job.name), to: job.every }, 'job interval changed: running it now');
    }
  }
  log.info({ jobs: jobs.map((j) => `${j.name} every ${j.every}`) }, 'job scheduler started');

  return {
    runNow(name) {
      const job = byName.get(name);
      if (!job) throw new Error(`unknown job ${name}`);
      return runMeasured(job);
    },
    async stop() {
      stopped = true;
      // Let a running job finish (bounded) rather than leave half its work.
      // Also closes the LISTEN connection; the pool is ours to end.
      await agenda.drain({ timeout: 5_000 }).catch((err: unknown) => log.warn({ err }, 'job drain failed'));
      await pool.end();
    },
  };
}
