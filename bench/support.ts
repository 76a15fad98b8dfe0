// Shared plumbing of the load benchmarks (bench:fanout, bench:connections,
// bench:http, bench:e2e, …): settings, scratch databases, child processes with an IPC
// request/reply channel, CPU pinning and fd limits, /proc sampling, seeding
// users with real sessions, percentiles, report headers and markdown tables.
// The orchestrator's own app instance is in scratch-app.ts (children must not load the app).
//
// Process model: the orchestrator (the bench script itself) seeds, publishes
// and reports; every server under test and every load generator is a child
// process started with `node --import tsx`, through `sh -c 'ulimit -n …; exec …'`
// (raises the open-files limit of that child only) and, unless BENCH_PIN=0,
// `taskset -c <cpu>` so the server owns one core and the load generators the
// other. PostgreSQL, Redis and the orchestrator are not pinned.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { hashSecret, randomSecret } from '../src/domain/account.js';
import { createDatabase, dropDatabase } from '../test/support/db.js';

export const ADMIN_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const JWT_SECRET = 'bench-secret-0123456789-0123456789-abcdef';
/** Open-files limit asked for in every child (as root this raises the hard limit too). */
export const NOFILE = Number(process.env['BENCH_NOFILE'] ?? 65_536);
export const PIN = process.env['BENCH_PIN'] !== '0' && hasTaskset() && os.availableParallelism() >= 2;
/** Cores for the server under test and for the load generators. */
export const SERVER_CPUS = process.env['BENCH_SERVER_CPUS'] ?? '0';
export const CLIENT_CPUS = process.env['BENCH_CLIENT_CPUS'] ?? '1';

const CLK_TCK = Number(safeExec('getconf', ['CLK_TCK']) ?? 100);

function hasTaskset() {
  return safeExec('taskset', ['-p', String(process.pid)]) !== null;
}

function safeExec(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export const benchFile = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** Integer from the environment (or a `--name=value` argument), with a default. */
export function intSetting(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name.toLowerCase()}=`));
  const raw = arg ? arg.split('=')[1] : process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return n;
}

export function strSetting(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name.toLowerCase()}=`));
  return (arg ? arg.split('=').slice(1).join('=') : process.env[name]) || fallback;
}

// ---------------------------------------------------------------- cleanup

type Cleanup = () => Promise<void> | void;
const cleanups: Cleanup[] = [];
let exiting = false;

/** Registers something to undo when the bench ends, fails or is interrupted (run last-in first-out). */
export function onCleanup(fn: Cleanup): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

let cleaning: Promise<void> | null = null;

/** Runs every registered cleanup once (later calls share the same run). */
export function runCleanups(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop()!;
      // Bounded, so that one stuck step cannot keep the scratch database from being dropped.
      await Promise.race([
        Promise.resolve()
          .then(fn)
          .catch((err: unknown) => console.error('cleanup failed:', err)),
        new Promise((r) => setTimeout(r, 30_000).unref()),
      ]);
    }
  })();
  return cleaning;
}

/**
 * Runs the bench body, then cleans up whatever happened. Takes over SIGINT and
 * SIGTERM (importing the app installs async-exit-hook, which would exit
 * without dropping the scratch database or stopping the children).
 */
export async function main(body: () => Promise<void>) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const l of process.listeners(signal)) process.off(signal, l);
    process.on(signal, () => {
      if (exiting) return;
      exiting = true;
      console.error(`\n${signal}: stopping children and dropping scratch databases…`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
  let code = 0;
  try {
    await body();
  } catch (err) {
    if (!exiting) console.error(err); // after a signal, errors are the children going away
    code = 1;
  }
  exiting = true;
  await runCleanups();
  process.exit(code);
}

// ---------------------------------------------------------------- scratch database

export interface ScratchDatabase {
  url: string;
  name: string;
  client: pg.Client;
  drop(): Promise<void>;
}

/** A fresh database on the machine's PostgreSQL, dropped by the cleanup. */
export async function createScratchDatabase(tag: string): Promise<ScratchDatabase> {
  const name = `mm_bench_${tag}_${randomBytes(4).toString('hex')}`;
  const url = await createDatabase(ADMIN_URL, name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await client.end().catch(() => {});
    await dropDatabase(ADMIN_URL, name);
  };
  onCleanup(drop);
  return { url, name, client, drop };
}

/** Environment of an API instance under test. */
export function appEnv(databaseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    JWT_SECRET,
    LOG_LEVEL: 'warn',
    JOBS_ENABLED: 'false',
    RATE_LIMIT_PREFIX: `rl:bench:${randomBytes(4).toString('hex')}:`,
    // Every simulated client comes from the load generator's one address.
    WS_MAX_SOCKETS_PER_ADDRESS: '1000000',
    WS_MAX_ANONYMOUS_SOCKETS_PER_ADDRESS: '1000000',
    ANONYMOUS_OPERATIONS_PER_MINUTE: '100000000',
    ...extra,
  };
}

/**
 * Waits until no backend of database `name` (other than ours) is active or in a
 * transaction for three checks in a row, so a server is stopped only after its
 * queued work (close handlers, requests whose client left) has finished.
 */
export async function waitDbIdle(c: pg.Client, name: string, timeoutMs = 120_000): Promise<number> {
  const t0 = performance.now();
  let quiet = 0;
  while (performance.now() - t0 < timeoutMs) {
    const { rows } = await c.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state IS NOT NULL AND state <> 'idle'`,
      [name],
    );
    quiet = Number(rows[0]!.n) === 0 ? quiet + 1 : 0;
    if (quiet >= 3) break;
    await sleep(200);
  }
  return performance.now() - t0;
}

// ---------------------------------------------------------------- seeding

export interface SeededUser {
  id: string;
  refreshToken: string;
}

/**
 * Users with one live session each, inserted in bulk. Their access tokens are
 * then minted by the app itself (`accounts.refreshSession`), so no token
 * signing is re-implemented here.
 */
export async function insertUsers(c: pg.Client, n: number, tag = 'u'): Promise<SeededUser[]> {
  const users = Array.from({ length: n }, () => {
    const secret = randomSecret();
    const sessionId = randomUUID();
    return { id: randomUUID(), sessionId, hash: hashSecret(secret), refreshToken: `${sessionId}.${secret}` }; // the pre-derivation format, which the app still rotates
  });
  for (let i = 0; i < n; i += 5_000) {
    const part = users.slice(i, i + 5_000);
    await c.query(
      `INSERT INTO "User" (id, email, name, "passwordHash", "updatedAt")
       SELECT u, $2 || '-' || u::text || '@bench.test', 'bench user', 'not-a-password-hash', now() FROM unnest($1::uuid[]) u`,
      [part.map((u) => u.id), tag],
    );
    await c.query(
      `INSERT INTO "Session" (id, "userId", "refreshTokenHash", "expiresAt")
       SELECT s, u, h, now() + interval '1 day' FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(s, u, h)`,
      [part.map((u) => u.sessionId), part.map((u) => u.id), part.map((u) => u.hash)],
    );
  }
  return users.map((u) => ({ id: u.id, refreshToken: u.refreshToken }));
}

export async function insertSlot(c: pg.Client, startsAt: Date, minutes: number, type = 'TECHNICAL'): Promise<string> {
  const id = randomUUID();
  await c.query(`INSERT INTO "Slot" (id, "startsAt", "endsAt", type) VALUES ($1, $2, $3, $4::"InterviewType")`, [
    id,
    startsAt,
    new Date(startsAt.getTime() + minutes * 60_000),
    type,
  ]);
  return id;
}

/** BOOKED bookings; returns their ids in input order. */
export async function insertBookings(
  c: pg.Client,
  rows: { slotId: string; userId: string; difficulty: string }[],
): Promise<string[]> {
  const ids = rows.map(() => randomUUID());
  for (let i = 0; i < rows.length; i += 5_000) {
    const part = rows.slice(i, i + 5_000);
    await c.query(
      `INSERT INTO "Booking" (id, "slotId", "userId", difficulty, status, "updatedAt")
       SELECT b, s, u, d::"Difficulty", 'BOOKED', now() FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[]) AS x(b, s, u, d)`,
      [ids.slice(i, i + 5_000), part.map((r) => r.slotId), part.map((r) => r.userId), part.map((r) => r.difficulty)],
    );
  }
  return ids;
}

interface SessionRefresher {
  refreshSession(token: string): Promise<{ token: string; refreshToken: string }>;
}

/** Access tokens through the app's own refresh-token rotation, `concurrency` at a time. */
export async function mintTokens(accounts: SessionRefresher, users: SeededUser[], concurrency = 8): Promise<string[]> {
  return (await mintSessions(accounts, users, concurrency)).map((s) => s.token);
}

/** Like mintTokens, also keeping each rotated refresh token (the seeded one is spent). */
export async function mintSessions(
  accounts: SessionRefresher,
  users: SeededUser[],
  concurrency = 8,
): Promise<{ token: string; refreshToken: string }[]> {
  const sessions = new Array<{ token: string; refreshToken: string }>(users.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < users.length) {
        const i = next++;
        const { token, refreshToken } = await accounts.refreshSession(users[i]!.refreshToken);
        sessions[i] = { token, refreshToken };
      }
    }),
  );
  return sessions;
}

// ---------------------------------------------------------------- child processes

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

export interface Child {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** The child's first message, `{ type: 'ready', … }`. */
  ready: Promise<Record<string, unknown>>;
  call<T = unknown>(type: string, arg?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks it to stop (IPC `stop`), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  /** taskset CPU list; ignored when pinning is off. */
  cpus?: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  readyTimeoutMs?: number;
}

/**
 * BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every server under test
 * (children whose name is not a load generator) into <dir> when it stops.
 */
function profileArgs(name: string): string[] {
  const dir = process.env['BENCH_CPU_PROF'];
  if (!dir || /^(clients|autocannon|users)/.test(name)) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${dir}/${name}`];
}

/** Starts `bench/<file>` in its own process (see the top of this file). */
export function spawnChild(name: string, file: string, opts: SpawnOptions = {}): Child {
  const cmd = [
    ...(PIN && opts.cpus ? ['taskset', '-c', opts.cpus] : []),
    process.execPath,
    '--expose-gc',
    ...profileArgs(name),
    '--import',
    'tsx',
    benchFile(file),
    ...(opts.args ?? []),
  ];
  const proc = spawn(
    '/bin/sh',
    ['-c', `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`, 'sh', ...cmd],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...opts.env },
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    },
  );
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  let seq = 0;
  let readyResolve!: (v: Record<string, unknown>) => void;
  let readyReject!: (e: Error) => void;
  const ready = new Promise<Record<string, unknown>>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  const readyTimer = setTimeout(
    () => readyReject(new Error(`${name}: not ready within ${opts.readyTimeoutMs ?? 120_000} ms`)),
    opts.readyTimeoutMs ?? 120_000,
  );
  ready.then(
    () => clearTimeout(readyTimer),
    () => clearTimeout(readyTimer),
  );
  proc.on('message', (m: { type?: string } & Reply) => {
    if (m.type === 'ready') return readyResolve(m as unknown as Record<string, unknown>);
    if (m.type === 'fatal') return readyReject(new Error(`${name}: ${String((m as { error?: string }).error)}`));
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error !== undefined) p.reject(new Error(`${name}: ${m.error}`));
    else p.resolve(m.result);
  });
  const exited = new Promise<number | null>((resolve) => {
    proc.on('exit', (code, signal) => {
      const why = new Error(`${name} exited (${code ?? signal})`);
      readyReject(why);
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(why);
      }
      pending.clear();
      resolve(code);
    });
  });
  const stop = async (graceMs = 15_000) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    if (proc.connected) proc.send({ id: -1, type: 'stop' }, () => {});
    else proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const unregister = onCleanup(() => stop(5_000));
  void exited.then(unregister);
  return {
    name,
    pid: proc.pid!,
    proc,
    ready,
    exited,
    stop,
    call<T>(type: string, arg?: unknown, timeoutMs = 120_000) {
      return new Promise<T>((resolve, reject) => {
        if (!proc.connected) return reject(new Error(`${name}: not connected`));
        const id = ++seq;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: ${type} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        proc.send({ id, type, arg });
      });
    },
  };
}

/**
 * The child side: answers `{ id, type, arg }` requests with its handlers; `stop`
 * runs `onStop` and exits; losing the parent (IPC disconnect) exits too.
 */
export function serveParent(
  handlers: Record<string, (arg: never) => unknown>,
  onStop: () => Promise<void> | void = () => {},
) {
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(code), 10_000).unref();
    await Promise.resolve()
      .then(onStop)
      .catch((err: unknown) => console.error(err));
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const l of process.listeners(signal)) process.off(signal, l);
    process.on(signal, () => void stop(0));
  }
  process.on('disconnect', () => void stop(0));
  const all: Record<string, (arg: never) => unknown> = {
    gc: () => collectGarbage(),
    memory: () => process.memoryUsage(),
    ...handlers,
  };
  process.on('message', (m: { id: number; type: string; arg: never }) => {
    if (m.type === 'stop') return void stop(0);
    const h = all[m.type];
    Promise.resolve()
      .then(() => (h ? h(m.arg) : Promise.reject(new Error(`unknown request ${m.type}`))))
      .then(
        (result) => process.connected && process.send!({ id: m.id, result: result ?? null }),
        (err: unknown) =>
          process.connected &&
          process.send!({ id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
}

export function announceReady(info: Record<string, unknown> = {}) {
  process.send!({ type: 'ready', ...info });
}

export function announceFatal(err: unknown) {
  console.error(err);
  if (process.connected)
    process.send!({ type: 'fatal', error: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
  else process.exit(1);
}

/** Full GCs until the heap stops shrinking (needs --expose-gc), then a pause for the allocator. */
export async function collectGarbage() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  let last = Infinity;
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
    const used = process.memoryUsage().heapUsed;
    if (used >= last * 0.99) break;
    last = used;
  }
  return true;
}

// ---------------------------------------------------------------- /proc sampling

export interface ProcStats {
  /** Resident set now, bytes. */
  rss: number;
  /** Peak resident set since the process started, bytes. */
  hwm: number;
  /** User + system CPU time so far, ms. */
  cpuMs: number;
}

export function procStats(pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), cpuMs: (ticks * 1000) / CLK_TCK };
}

/** CPU used by `pids` between two samples, as % of one core. */
export function cpuPercent(before: ProcStats[], after: ProcStats[], wallMs: number): number {
  const used = after.reduce((s, a, i) => s + a.cpuMs - before[i]!.cpuMs, 0);
  return wallMs > 0 ? (100 * used) / wallMs : 0;
}

// ---------------------------------------------------------------- numbers and tables

/**
 * Wall-clock ms, comparable across processes and with the events' `at` (from Date).
 * performance.timeOrigin + performance.now() drifts from it once the system clock is
 * stepped or slewed after a process started (the N=5000 fan-out run saw -7 s).
 */
export const now = () => Date.now();

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
export const msf = (ms: number) =>
  Number.isFinite(ms) ? (ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`) : 'n/a';
export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : 'n/a');
export const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : 'n/a');
export const verdict = (ok: boolean) => (ok ? '**met**' : '**missed**');

export function table(headers: string[], rows: (string | number)[][]): string {
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export function machineLine(): string {
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, load average ${load}`;
}

/** The lines every report starts with: its title and start time, what was run, and the machine. */
export function reportHeader(bench: string, started: Date, what: string): string[] {
  return [`\n## bench:${bench} — ${started.toISOString()}\n`, what, '', `Machine: ${machineLine()}.`, ''];
}

export function processLine(extra = ''): string {
  const pin = PIN
    ? `server under test pinned to CPU ${SERVER_CPUS}, load generators to CPU ${CLIENT_CPUS} (taskset)`
    : 'no CPU pinning (BENCH_PIN=0, no taskset, or fewer than 2 cores): the OS shares the cores';
  return `Processes: ${pin}; the orchestrator/publisher, PostgreSQL and Redis are unpinned. Each child runs with ulimit -n ${NOFILE} (raised by sh before exec).${extra ? ' ' + extra : ''}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Float64Array <-> base64, to move many samples over IPC cheaply. */
export const packFloats = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
export function unpackFloats(s: string): Float64Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float64Array(b.length / 8);
  Buffer.from(out.buffer).set(b);
  return out;
}

export function mergeSorted(parts: Float64Array[]): Float64Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Float64Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return all.sort();
}
