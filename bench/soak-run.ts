// The soak, shared by `npm run soak` (bench/soak.ts) and its short jest
// version (test/faults/soak.test.ts): two MockMate instances as child
// processes (bench/app-server.ts, JOBS_ENABLED=true on both) on a scratch
// database and the shared Redis; pairs of users in interviews under way,
// each user a real graphql-ws client on `events(after: lastSeenId)` that keeps
// disconnecting and reconnecting to a random live instance; chat messages,
// typing and availability changes over HTTP to random instances produce
// stored events for every user; instances are restarted one at a time,
// alternating SIGTERM (graceful) and SIGKILL (crash). At the end every
// client's received ids are compared with the Event table: nothing lost,
// nothing twice, in order.
//
// The clients live in the orchestrator process: the soak checks delivery, not
// throughput, and one process keeps it cheap on two shared cores.
import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import {
  appEnv,
  createScratchDatabase,
  insertSlot,
  insertUsers,
  int,
  mintSessions,
  msf,
  now,
  percentile,
  sleep,
  spawnChild,
  table,
  type Child,
} from './support.js';

export interface SoakOptions {
  durationMs: number;
  /** Rounded down to an even number: users come in interview pairs. */
  users: number;
  /** A restart every this many ms (each waits until both instances are up). */
  restartEveryMs: number;
  /** Each client drops its socket after a random time in this range… */
  disconnectMinMs: number;
  disconnectMaxMs: number;
  /** …and stays away up to this long before reconnecting. */
  offlineMaxMs: number;
  /** Mean pause between one user's mutations. */
  actionEveryMs: number;
  /** Most the drain may take before the comparison. */
  drainMs: number;
  /** Progress lines (stderr in the script). */
  log: (line: string) => void;
}

export interface SoakResult {
  startedAt: Date;
  options: Omit<SoakOptions, 'log'>;
  users: number;
  stored: number;
  received: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Received ids that are not in the Event table. */
  unknown: number;
  shutdownEvents: number;
  /** SERVER_SHUTDOWN events whose id was not the last id that stream delivered. */
  shutdownIdMismatch: number;
  connects: number;
  /** Socket open → connection_ack: p50, p99, max (ms). */
  handshakeMs: [number, number, number];
  reconnects: number;
  closes: Record<string, number>;
  restarts: { graceful: number; crash: number };
  /** Instances that exited without being stopped by the soak. */
  unexpectedExits: number;
  mutations: { ok: number; failed: number; failures: Record<string, number> };
  /** Clients still behind their cursor after the live part of the drain, who caught up by reconnecting. */
  behindAtDrain: number;
  caughtUp: boolean;
  drainMs: number;
  durationMs: number;
  /** A few users whose stream was wrong, for the report. */
  examples: string[];
}

const EVENTS = 'subscription Soak($after: String) { events(after: $after) { id type } }';
const SEND = 'mutation Send($i: ID!, $b: String!) { sendMessage(interviewId: $i, body: $b) { id } }';
const TYPING = 'mutation Typing($i: ID!, $t: Boolean!) { setTyping(interviewId: $i, typing: $t) }';
const AVAILABILITY = 'mutation Availability($a: Availability!) { setAvailability(availability: $a) { id } }';
/** Access tokens live 15 min; renew them well before. */
const TOKEN_RENEW_MS = 10 * 60_000;
/** The live part of the drain: a stream that is still behind after this has missed a live event. */
const DRAIN_LIVE_MS = 5_000;

interface Instance {
  slot: number;
  generation: number;
  child: Child;
  port: number | null;
  live: boolean;
  /** Set just before the soak itself stops it. */
  stopping: boolean;
}

interface SoakUser {
  id: string;
  peer: string;
  interviewId: string;
  token: string;
  refreshToken: string;
  tokenAt: number;
  renewing: Promise<void> | null;
  /** Ids in arrival order, SERVER_SHUTDOWN excluded. */
  received: bigint[];
  lastSeen: string;
  /** Bumped on every (re)connect; callbacks of an older connection are ignored. */
  generation: number;
  client: Client | null;
  dropTimer: NodeJS.Timeout | null;
  available: boolean;
}

const random = (min: number, max: number) => min + Math.random() * (max - min);
const bump = (m: Record<string, number>, key: string) => void (m[key] = (m[key] ?? 0) + 1);

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const startedAt = new Date();
  const { log, ...options } = opts;
  const userCount = Math.max(2, opts.users - (opts.users % 2));
  const db = await createScratchDatabase('soak');
  const env = appEnv(db.url, { JOBS_ENABLED: 'true' });
  const instances: Instance[] = [];
  const users: SoakUser[] = [];
  let seeder: App | null = null;
  let running = true;
  const counters = {
    shutdownEvents: 0,
    shutdownIdMismatch: 0,
    unexpectedExits: 0,
    connects: 0,
    /** Socket open → connection_ack, ms. */
    handshakes: [] as number[],
    closes: {} as Record<string, number>,
    restarts: { graceful: 0, crash: 0 },
    mutations: { ok: 0, failed: 0, failures: {} as Record<string, number> },
  };

  try {
    // The seeder migrates the scratch database and mints (and later renews) tokens in-process,
    // so a renewal's answer can never be lost to an instance being killed.
    seeder = await buildApp(loadConfig({ ...env, JOBS_ENABLED: 'false' }));
    await seed(userCount);

    for (const slot of [0, 1]) startInstance(slot, 1);
    await Promise.all(instances.map(awaitReady));
    log(
      `soak: ${userCount} users, 2 instances on ports ${instances.map((i) => i.port).join(', ')}; running ${msf(opts.durationMs)}`,
    );

    const t0 = now();
    for (const u of users) connect(u);
    const traffic = users.map(actLoop);
    const restarts = restartLoop(t0);
    const progress = setInterval(() => {
      const received = users.reduce((n, u) => n + u.received.length, 0);
      log(
        `soak: ${((now() - t0) / 1000).toFixed(0)} s, ${int(received)} events received, ${int(counters.mutations.ok)} mutations ok / ${int(counters.mutations.failed)} failed, restarts ${counters.restarts.graceful} graceful ${counters.restarts.crash} crash`,
      );
    }, 30_000);
    try {
      await restarts;
      await sleep(Math.max(0, t0 + opts.durationMs - now()));
      running = false;
      await Promise.all(traffic);
    } finally {
      clearInterval(progress);
    }
    const durationMs = now() - t0;

    log('soak: traffic stopped; draining');
    for (const u of users) if (u.dropTimer) clearTimeout(u.dropTimer);
    const drainStart = now();
    let behind = await behindUsers();
    for (let t = now(); behind.length > 0 && now() - t < DRAIN_LIVE_MS; behind = await behindUsers()) await sleep(250);
    const behindAtDrain = behind.length;
    if (behindAtDrain > 0) {
      log(`soak: ${behindAtDrain} streams behind their cursor after ${msf(DRAIN_LIVE_MS)}; reconnecting them`);
      for (const u of behind) reconnect(u, 0);
    }
    // Reconnects make presence events for peers, so wait for a quiet, caught-up state.
    while (now() - drainStart < opts.drainMs) {
      behind = await behindUsers();
      if (behind.length === 0) {
        await sleep(500);
        if ((await behindUsers()).length === 0) break;
      }
      await sleep(250);
    }
    const drainMs = now() - drainStart;
    const caughtUp = (await behindUsers()).length === 0;

    const check = await compare();
    for (const u of users) disconnect(u);
    return {
      startedAt,
      options,
      users: userCount,
      ...check,
      shutdownEvents: counters.shutdownEvents,
      shutdownIdMismatch: counters.shutdownIdMismatch,
      unexpectedExits: counters.unexpectedExits,
      connects: counters.connects,
      handshakeMs: [50, 99, 100].map((p) =>
        percentile(
          counters.handshakes.sort((a, b) => a - b),
          p,
        ),
      ) as [number, number, number],
      reconnects: counters.connects - userCount,
      closes: counters.closes,
      restarts: counters.restarts,
      mutations: counters.mutations,
      behindAtDrain,
      caughtUp,
      drainMs,
      durationMs,
    };
  } finally {
    running = false;
    for (const u of users) disconnect(u);
    await Promise.all(instances.map((i) => i.child.stop(15_000)));
    await seeder?.stop();
    await db.drop();
  }

  // ------------------------------------------------------------ seeding

  async function seed(n: number) {
    const seeded = await insertUsers(db.client, n, 'soak');
    // One slot under way for the whole run (and a day beyond), so no job ends or cancels the interviews.
    const slotId = await insertSlot(db.client, new Date(Date.now() - 60_000), 24 * 60);
    const tokens = await mintSessions(seeder!.services.accounts, seeded);
    for (let i = 0; i < n; i += 2) {
      const interviewId = randomUUID();
      const [a, b] = [seeded[i]!, seeded[i + 1]!];
      await db.client.query(
        `INSERT INTO "Interview" (id, "slotId", type, status, "startedAt") VALUES ($1, $2, 'TECHNICAL', 'IN_PROGRESS', now())`,
        [interviewId, slotId],
      );
      await db.client.query(
        `INSERT INTO "InterviewParticipant" ("interviewId", "userId", role, difficulty, "joinedAt")
         VALUES ($1, $2, 'INTERVIEWER', 'MEDIUM', now()), ($1, $3, 'INTERVIEWEE', 'MEDIUM', now())`,
        [interviewId, a.id, b.id],
      );
      for (const [me, peer, k] of [
        [a, b, i],
        [b, a, i + 1],
      ] as const) {
        users.push({
          id: me.id,
          peer: peer.id,
          interviewId,
          ...tokens[k]!,
          tokenAt: now(),
          renewing: null,
          received: [],
          lastSeen: '0',
          generation: 0,
          client: null,
          dropTimer: null,
          available: true,
        });
      }
    }
  }

  function renewToken(u: SoakUser): Promise<void> {
    if (now() - u.tokenAt < TOKEN_RENEW_MS) return Promise.resolve();
    u.renewing ??= seeder!.services.accounts
      .refreshSession(u.refreshToken)
      .then(({ token, refreshToken }) => void Object.assign(u, { token, refreshToken, tokenAt: now() }))
      .catch((err: unknown) => log(`soak: token renewal failed for ${u.id}: ${String(err)}`))
      .finally(() => (u.renewing = null));
    return u.renewing;
  }

  // ------------------------------------------------------------ instances

  function startInstance(slot: number, generation: number) {
    const child = spawnChild(`soak-${slot + 1}`, 'app-server.ts', {
      cpus: String(slot % 2),
      env: { ...env, INSTANCE_NAME: `soak-${slot + 1}-${generation}` },
    });
    const inst: Instance = { slot, generation, child, port: null, live: false, stopping: false };
    instances[slot] = inst;
    void child.ready.then(
      (r) => {
        inst.port = r['port'] as number;
        inst.live = true;
      },
      () => {},
    );
    void child.exited.then((code) => {
      inst.live = false;
      if (!inst.stopping && running) {
        counters.unexpectedExits++;
        log(`soak: instance ${slot + 1} exited on its own (${code})`);
      }
    });
  }

  /** startInstance's handler, registered first, has set port and live by the time this resolves. */
  function awaitReady(inst: Instance) {
    return inst.child.ready;
  }

  function pickLive(): Instance | null {
    const live = instances.filter((i) => i.live);
    return live.length ? live[Math.floor(Math.random() * live.length)]! : null;
  }

  /** Restart k (1, 2, …) happens at k × restartEveryMs, alternating graceful/crash, one instance at a time. */
  async function restartLoop(t0: number) {
    const total = Math.floor((opts.durationMs - 1) / opts.restartEveryMs);
    for (let k = 0; k < total && running; k++) {
      await sleep(Math.max(0, t0 + (k + 1) * opts.restartEveryMs - now()));
      await Promise.all(instances.map(awaitReady));
      // Instances 1, 2, 2, 1, 1, 2…: each one gets both kinds.
      const inst = instances[Math.floor((k + 1) / 2) % 2]!;
      const kind = k % 2 === 0 ? 'graceful' : 'crash';
      log(`soak: ${kind} restart of instance ${inst.slot + 1} (port ${inst.port})`);
      inst.live = false;
      inst.stopping = true;
      const t = now();
      inst.child.proc.kill(kind === 'graceful' ? 'SIGTERM' : 'SIGKILL');
      const hung = setTimeout(() => inst.child.proc.kill('SIGKILL'), 30_000);
      await inst.child.exited;
      clearTimeout(hung);
      counters.restarts[kind]++;
      startInstance(inst.slot, inst.generation + 1);
      await awaitReady(instances[inst.slot]!);
      log(`soak: instance ${inst.slot + 1} back on port ${instances[inst.slot]!.port} after ${msf(now() - t)}`);
    }
  }

  // ------------------------------------------------------------ clients

  function connect(u: SoakUser) {
    const inst = pickLive();
    if (!inst) return reconnect(u, 200);
    const generation = ++u.generation;
    const current = () => u.generation === generation;
    const after = u.lastSeen;
    void renewToken(u).then(() => {
      if (!current()) return;
      const opened = now();
      const client = createClient({
        url: `ws://127.0.0.1:${inst.port}/graphql`,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        connectionAckWaitTimeout: 10_000,
        connectionParams: { authorization: `Bearer ${u.token}` },
        onNonLazyError: () => {},
        on: {
          connected: () => {
            if (!current()) return;
            counters.connects++;
            counters.handshakes.push(now() - opened);
            if (running) scheduleDrop(u);
          },
          closed: (event) => {
            if (!current()) return;
            bump(counters.closes, String((event as { code?: number }).code ?? 'error'));
            reconnect(u, random(50, 500));
          },
        },
      });
      u.client = client;
      client.subscribe<{ events: { id: string; type: string } }>(
        { query: EVENTS, variables: { after } },
        {
          next: (r) => {
            if (!current()) return;
            const e = r.data?.events;
            if (!e) {
              bump(counters.closes, `next without data ${JSON.stringify(r.errors ?? null).slice(0, 80)}`);
              return reconnect(u, random(50, 500));
            }
            // Not stored; its id is the cursor already delivered. It only means "reconnect now".
            if (e.type === 'SERVER_SHUTDOWN') {
              counters.shutdownEvents++;
              if (e.id !== u.lastSeen) counters.shutdownIdMismatch++;
              return reconnect(u, 0);
            }
            u.received.push(BigInt(e.id));
            u.lastSeen = e.id;
          },
          error: (err) => {
            if (!current()) return;
            const code = Array.isArray(err)
              ? `subscription error ${String((err[0] as { extensions?: { code?: string } })?.extensions?.code)}`
              : null;
            if (code) bump(counters.closes, code);
            reconnect(u, random(50, 500));
          },
          complete: () => {
            if (!current()) return;
            bump(counters.closes, 'complete');
            reconnect(u, random(50, 500));
          },
        },
      );
    });
  }

  /** Drops the current connection (its late callbacks are ignored) and reconnects with `after` = last id seen. */
  function reconnect(u: SoakUser, delayMs: number) {
    disconnect(u);
    const generation = u.generation;
    setTimeout(() => {
      if (u.generation === generation) connect(u);
    }, delayMs).unref();
  }

  function disconnect(u: SoakUser) {
    u.generation++;
    if (u.dropTimer) clearTimeout(u.dropTimer);
    u.dropTimer = null;
    // dispose() rejects when the connection attempt it waits for failed.
    void Promise.resolve(u.client?.dispose()).catch(() => {});
    u.client = null;
  }

  function scheduleDrop(u: SoakUser) {
    if (u.dropTimer) clearTimeout(u.dropTimer);
    u.dropTimer = setTimeout(
      () => {
        u.dropTimer = null;
        if (running) reconnect(u, random(0, opts.offlineMaxMs));
      },
      random(opts.disconnectMinMs, opts.disconnectMaxMs),
    );
  }

  // ------------------------------------------------------------ traffic

  /** Until the duration is over and the last restart is done, so every restart happens under traffic. */
  async function actLoop(u: SoakUser) {
    await sleep(random(0, opts.actionEveryMs));
    let n = 0;
    while (running) {
      const dice = Math.random();
      if (dice < 0.7) await mutate(u, SEND, { i: u.interviewId, b: `soak ${u.id.slice(0, 8)} #${++n}` });
      else if (dice < 0.8) await mutate(u, TYPING, { i: u.interviewId, t: Math.random() < 0.5 });
      else {
        u.available = !u.available;
        await mutate(u, AVAILABILITY, { a: u.available ? 'AVAILABLE' : 'BUSY' });
      }
      await sleep(random(0.5, 1.5) * opts.actionEveryMs);
    }
  }

  async function mutate(u: SoakUser, query: string, variables: Record<string, unknown>) {
    const inst = pickLive();
    const fail = (why: string) => {
      counters.mutations.failed++;
      bump(counters.mutations.failures, why);
    };
    if (!inst) return fail('no live instance');
    await renewToken(u);
    try {
      const res = await fetch(`http://127.0.0.1:${inst.port}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          authorization: `Bearer ${u.token}`,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
      if (body.errors?.length) return fail(`${res.status} ${body.errors[0]!.extensions?.code ?? '?'}`);
      counters.mutations.ok++;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      fail(cause ?? (err as Error).name);
    }
  }

  // ------------------------------------------------------------ checks

  /** Users whose last id seen is not their current cursor (User.eventSeq). */
  async function behindUsers(): Promise<SoakUser[]> {
    const { rows } = await db.client.query<{ id: string; seq: string }>(
      `SELECT id, "eventSeq"::text AS seq FROM "User" WHERE id = ANY($1::uuid[])`,
      [users.map((u) => u.id)],
    );
    const cursor = new Map(rows.map((r) => [r.id, r.seq]));
    return users.filter((u) => u.lastSeen !== (cursor.get(u.id) ?? '0'));
  }

  async function compare() {
    const { rows } = await db.client.query<{ userId: string; seq: string }>(
      `SELECT "userId", seq::text AS seq FROM "Event" WHERE "userId" = ANY($1::uuid[]) ORDER BY "userId", seq`,
      [users.map((u) => u.id)],
    );
    const storedBy = new Map<string, Set<bigint>>();
    for (const r of rows) {
      let s = storedBy.get(r.userId);
      if (!s) storedBy.set(r.userId, (s = new Set()));
      s.add(BigInt(r.seq));
    }
    let lost = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    let unknown = 0;
    let received = 0;
    const examples: string[] = [];
    for (const u of users) {
      const stored = storedBy.get(u.id) ?? new Set<bigint>();
      const seen = new Set<bigint>();
      let userLost = 0;
      let userDup = 0;
      let userOoo = 0;
      let userUnknown = 0;
      let highest = 0n;
      for (const id of u.received) {
        if (seen.has(id)) userDup++;
        else if (id < highest) userOoo++;
        seen.add(id);
        if (id > highest) highest = id;
        if (!stored.has(id)) userUnknown++;
      }
      for (const id of stored) if (!seen.has(id)) userLost++;
      received += u.received.length;
      lost += userLost;
      duplicated += userDup;
      outOfOrder += userOoo;
      unknown += userUnknown;
      if ((userLost || userDup || userOoo || userUnknown) && examples.length < 5) {
        const missing = [...stored].filter((id) => !seen.has(id)).slice(0, 10);
        examples.push(
          `user ${u.id}: ${stored.size} stored, ${u.received.length} received, lost ${userLost} (${missing.join(', ')}), duplicated ${userDup}, out of order ${userOoo}, unknown ${userUnknown}`,
        );
      }
    }
    return { stored: rows.length, received, lost, duplicated, outOfOrder, unknown, examples };
  }
}

/** True when nothing was lost, duplicated, reordered or invented, every stream caught up and no instance died on its own. */
export const soakPassed = (r: SoakResult) =>
  r.lost === 0 && r.duplicated === 0 && r.outOfOrder === 0 && r.unknown === 0 && r.caughtUp && r.unexpectedExits === 0;

export function soakReport(r: SoakResult): string {
  const o = r.options;
  const fmt = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}: ${int(v)}`)
      .join(', ') || 'none';
  const out = [
    `\n## soak — ${r.startedAt.toISOString()}\n`,
    `${r.users} users in ${r.users / 2} interviews under way, two instances (JOBS_ENABLED=true) on one scratch database and the shared Redis. Each user: one graphql-ws client on \`events(after: last id seen)\`, dropping its socket every ${msf(o.disconnectMinMs)}–${msf(o.disconnectMaxMs)} and reconnecting to a random live instance after up to ${msf(o.offlineMaxMs)}; a mutation every ~${msf(o.actionEveryMs)} over HTTP to a random live instance (70% sendMessage, 10% setTyping, 20% setAvailability toggle). One instance restarted every ${msf(o.restartEveryMs)}, alternating SIGTERM and SIGKILL.\n`,
    table(
      [
        'users',
        'events stored',
        'events received',
        'lost',
        'duplicated',
        'out of order',
        'reconnects',
        'SERVER_SHUTDOWN received',
        'restarts graceful / crash',
        'mutations ok / failed',
        'duration',
      ],
      [
        [
          r.users,
          int(r.stored),
          int(r.received),
          int(r.lost),
          int(r.duplicated),
          int(r.outOfOrder),
          int(r.reconnects),
          int(r.shutdownEvents),
          `${r.restarts.graceful} / ${r.restarts.crash}`,
          `${int(r.mutations.ok)} / ${int(r.mutations.failed)}`,
          `${(r.durationMs / 60_000).toFixed(1)} min + ${(r.drainMs / 1000).toFixed(1)} s drain`,
        ],
      ],
    ),
    '',
    `- Result: ${soakPassed(r) ? '**passed**' : '**FAILED**'} (ids received but not stored: ${int(r.unknown)}; every stream caught up with its cursor: ${r.caughtUp ? 'yes' : 'no'}).`,
    `- Instances that exited without being stopped: ${r.unexpectedExits}.`,
    `- SERVER_SHUTDOWN events whose id was not the last id delivered: ${int(r.shutdownIdMismatch)}.`,
    `- Streams still behind their cursor ${msf(DRAIN_LIVE_MS)} after the traffic stopped (caught up by reconnecting): ${r.behindAtDrain}.`,
    `- Socket ends seen by clients, besides their own disconnects: ${fmt(r.closes)}${r.closes['4504'] ? ' (4504: no connection_ack within 10 s, the client gave up)' : ''}.`,
    `- Connect to connection_ack: p50 ${msf(r.handshakeMs[0])}, p99 ${msf(r.handshakeMs[1])}, max ${msf(r.handshakeMs[2])}.`,
    `- Failed mutations by cause: ${fmt(r.mutations.failures)}.`,
    ...r.examples.map((e) => `- ${e}`),
  ];
  return out.join('\n');
}
