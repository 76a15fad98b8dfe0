// Who is online (an open signed-in socket on any instance) and who is available.
//
// Online-ness lives in the cross-instance presence registry: key `user:<id>`,
// one member per open socket, expiring PRESENCE_TTL_SECONDS after its instance
// stops refreshing it (so a killed instance's sockets stop counting within
// that). Only the 0→1 and 1→0 transitions are announced, as USER_ONLINE /
// USER_OFFLINE stored events to the user's "audience": whoever shares an active
// interview or a pending instant request with them. A killed instance closes
// nothing, so the sweep job announces USER_OFFLINE for users whose last
// sockets were its.
import { Prisma, type Availability, type InterviewType, type User } from '../generated/prisma/client.js';
import { rereadOnChange } from '../infra/async-queue.js';
import { coalesced } from '../infra/coalesce.js';
import type { Db, Planned, Tx } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Presence } from '../infra/presence.js';
import type { Viewer } from './accounts.js';
import type { Emitter, Events } from './events.js';

type UserQuery = Planned<Prisma.UserInclude, Prisma.UserSelect>;

export const MAX_SOCKETS_PER_USER = 10;
/** availablePeers returns at most this many users. */
export const AVAILABLE_PEERS_MAX = 100;
const SCAN_BATCH = 500;

const USER_KEYS = 'user:';
const presenceKey = (userId: string) => USER_KEYS + userId;

/**
 * Users who should hear about each user's presence and availability: those who
 * share a SCHEDULED or IN_PROGRESS interview, or a PENDING (unexpired) instant
 * request, with them. One query for all of `userIds`; every one of them is in the map.
 */
export async function presenceAudiences(
  db: Db | Tx,
  userIds: readonly string[],
  now = new Date(),
): Promise<Map<string, string[]>> {
  const ids = [...new Set(userIds)].join(',');
  const rows = await db.$queryRaw<{ userId: string; peer: string }[]>`
    WITH ids AS (SELECT unnest(string_to_array(${ids}, ',')::uuid[]) AS id)
    SELECT me."userId" AS "userId", other."userId" AS peer
    FROM "InterviewParticipant" me
    JOIN "Interview" i ON i.id = me."interviewId" AND i.status IN ('SCHEDULED', 'IN_PROGRESS')
    JOIN "InterviewParticipant" other ON other."interviewId" = i.id AND other."userId" <> me."userId"
    WHERE me."userId" IN (SELECT id FROM ids)
    UNION
    SELECT r."requesterId", r."addresseeId" FROM "InstantRequest" r
    WHERE r.status = 'PENDING' AND r."expiresAt" > ${now} AND r."requesterId" IN (SELECT id FROM ids)
    UNION
    SELECT r."addresseeId", r."requesterId" FROM "InstantRequest" r
    WHERE r.status = 'PENDING' AND r."expiresAt" > ${now} AND r."addresseeId" IN (SELECT id FROM ids)`;
  const audiences = new Map(userIds.map((id) => [id, [] as string[]]));
  for (const { userId, peer } of rows) if (peer !== userId) audiences.get(userId)!.push(peer);
  return audiences;
}

/** Locks user rows in id order and strength (NO KEY UPDATE) as storeUserEvents does, so no two writers deadlock. */
export async function lockUsers(tx: Tx, ids: string[]): Promise<{ id: string; availability: Availability }[]> {
  const sorted = [...new Set(ids)].sort();
  return tx.$queryRaw<{ id: string; availability: Availability }[]>`
    SELECT id, availability FROM "User"
    WHERE id = ANY(string_to_array(${sorted.join(',')}, ',')::uuid[]) ORDER BY id FOR NO KEY UPDATE`;
}

export function createUserPresence({
  db,
  events,
  presence,
  log,
}: {
  db: Db;
  events: Events;
  presence: Presence;
  log: Logger;
}) {
  /**
   * Runs a change of users' sockets in a transaction holding an advisory lock
   * on each of those users (taken in id order, so two such transactions cannot
   * deadlock), so the opens and closes of one user, on any instance, happen
   * one at a time: the count each sees after its change is exact, the cap
   * cannot be overrun, and the 0→1 / 1→0 transitions are seen exactly once.
   * (Presence's add/remove are not atomic with their count: two concurrent
   * opens could both see 2.) The locks are taken before any row lock, so they
   * cannot join a deadlock with storeUserEvents' row locks.
   */
  function underUserLocks<T>(userIds: readonly string[], fn: (tx: Tx, emit: Emitter) => Promise<T>): Promise<T> {
    const keys = [...new Set(userIds)].sort().map((id) => `presence:${id}`);
    return events.transaction(async (tx, emit) => {
      await tx.$queryRaw`
        SELECT count(*)::int AS locked FROM (
          SELECT pg_advisory_xact_lock(hashtextextended(k, 0))
          FROM unnest(string_to_array(${keys.join(',')}, ',')) WITH ORDINALITY AS t(k, i) ORDER BY i) AS l`;
      return fn(tx, emit);
    });
  }

  async function announce(tx: Tx, emit: Emitter, userIds: readonly string[], online: boolean) {
    emit.peers();
    for (const [userId, audience] of await presenceAudiences(tx, userIds)) {
      for (const peer of audience) {
        emit.user(
          online
            ? { userId: peer, type: 'USER_ONLINE', payload: { userId } }
            : { userId: peer, type: 'USER_OFFLINE', payload: { userId } },
        );
      }
    }
  }

  // Socket opens and closes in flight, so shutdown can wait for them: a
  // transaction still open when the database client disconnects hangs the
  // disconnect for good. Once stopping, closes do no database work: the
  // registry's close() removes this instance's members anyway.
  const inFlight = new Set<Promise<unknown>>();
  /** Admitted sockets of this instance per user (opened, not yet closed). */
  const admitted = new Map<string, number>();
  const admit = (userId: string) => void admitted.set(userId, (admitted.get(userId) ?? 0) + 1);
  let stopping = false;
  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    void work.then(
      () => inFlight.delete(work),
      () => inFlight.delete(work),
    );
    return work;
  }

  type Admission = { ok: true } | { ok: false; reason: string };
  const tooMany = { ok: false, reason: `Too many open connections (${MAX_SOCKETS_PER_USER})` } as const;
  /**
   * Sockets that may be their user's first. Only first sockets are news, but
   * each costs a transaction of several round trips: the ones that arrive
   * while one runs share the next, each added in arrival order as if one by
   * one under its user's lock.
   */
  const openFirst = coalesced(async (batch: { userId: string; key: string; member: string }[]) => {
    try {
      const admissions = await underUserLocks(
        batch.map((o) => o.userId),
        async (tx, emit) => {
          const counts = await presence.addAll(batch.map((o) => [o.key, o.member] as const));
          const refused = batch.filter((_, i) => counts[i]! > MAX_SOCKETS_PER_USER);
          await Promise.all(refused.map((o) => presence.remove(o.key, o.member)));
          const cameOnline = batch.filter((_, i) => counts[i] === 1).map((o) => o.userId);
          if (cameOnline.length > 0) await announce(tx, emit, cameOnline, true);
          return counts.map((n): Admission => (n > MAX_SOCKETS_PER_USER ? tooMany : { ok: true }));
        },
      );
      batch.forEach((o, i) => admissions[i]!.ok && admit(o.userId));
      return admissions;
    } catch (err) {
      // The sockets will be closed as internal errors and never reach socketClosed: do not leave them counted.
      await Promise.all(batch.map((o) => presence.remove(o.key, o.member).catch(() => {})));
      throw err;
    }
  });
  async function close() {
    stopping = true;
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  }
  return {
    /** A signed-in socket opened; `ok: false` means the user has too many and this one must close. */
    async socketOpened(userId: string, socketId: string): Promise<Admission> {
      // The server's own shutdown closes it (1001); it need not count meanwhile.
      if (stopping) return { ok: true };
      const key = presenceKey(userId);
      const member = presence.member(socketId);
      // Not the user's first socket: nothing to announce, so no transaction, only one atomic Redis step.
      // Only behind a socket of this instance that was admitted, whose USER_ONLINE (if any) has committed.
      if (admitted.has(userId)) {
        const added = await presence.addIfLive(key, member, MAX_SOCKETS_PER_USER);
        if (added === 'full') return tooMany;
        if (added !== 'none') {
          admit(userId);
          return { ok: true };
        }
      }
      return track(openFirst({ userId, key, member }));
    },

    /** Never throws: it runs from socket close handlers, also while the server shuts down. */
    async socketClosed(userId: string, socketId: string): Promise<void> {
      const left = (admitted.get(userId) ?? 1) - 1;
      if (left > 0) admitted.set(userId, left);
      else admitted.delete(userId);
      if (stopping) return;
      const key = presenceKey(userId);
      const member = presence.member(socketId);
      // Another socket stays live: not news, no transaction.
      if (await presence.removeIfOthers(key, member).catch(() => false)) return;
      await track(
        underUserLocks([userId], async (tx, emit) => {
          if ((await presence.remove(key, member)) === 0) await announce(tx, emit, [userId], false);
        }).catch(async (err: unknown) => {
          // Left behind as a stale member: the sweep announces USER_OFFLINE once it can, so it is never lost.
          await presence.markStale(key, member).catch(() => {});
          log.warn({ err, userId }, 'USER_OFFLINE not announced yet; the presence sweep retries it');
        }),
      );
    },

    /**
     * USER_OFFLINE for users whose last sockets went stale (their instance died
     * without closing them). Under the user's lock, like socket closes, so it and
     * a close never both announce. The stale members are dropped only after the
     * announcement commits: a failed one is retried by the next sweep, not lost.
     * Returns how many it announced.
     */
    async sweepStale(): Promise<number> {
      let announced = 0;
      for (const key of await presence.stale(USER_KEYS)) {
        const userId = key.slice(USER_KEYS.length);
        const offline = await underUserLocks([userId], async (tx, emit) => {
          const { stale, live } = await presence.inspect(key);
          if (stale === 0 || live > 0) return false;
          await announce(tx, emit, [userId], false);
          return true;
        });
        await presence.prune(key);
        if (offline) announced += 1;
      }
      return announced;
    },

    /** Waits for socket opens and closes in flight; afterwards they touch nothing. For shutdown, before the registry and the database close. */
    close,

    async isOnline(userId: string): Promise<boolean> {
      return (await presence.count(presenceKey(userId))) > 0;
    },

    /** Online flags in the order of `userIds`, asked of the registry in one call. */
    async onlineMany(userIds: readonly string[]): Promise<boolean[]> {
      const counts = await presence.counts(userIds.map(presenceKey));
      return counts.map((n) => n > 0);
    },

    /** Users online now, on any instance: every user asked of the registry, in id batches (an admin's count, not a hot path). */
    async onlineCount(): Promise<number> {
      let n = 0;
      let after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        const batch = await db.$queryRaw<{ id: string }[]>`
          SELECT id FROM "User" WHERE id > ${after}::uuid ORDER BY id LIMIT ${SCAN_BATCH}`;
        if (batch.length === 0) return n;
        n += (await this.onlineMany(batch.map((b) => b.id))).filter(Boolean).length;
        if (batch.length < SCAN_BATCH) return n;
        after = batch.at(-1)!.id;
      }
    },

    /**
     * Sets the viewer's availability and tells their audience and the viewer
     * themself (their other devices). Setting the value it already has changes
     * nothing and announces nothing.
     */
    async setAvailability(viewer: Viewer, availability: Availability, query: UserQuery = {}) {
      return events.transaction(async (tx, emit) => {
        const audience = (await presenceAudiences(tx, [viewer.id])).get(viewer.id)!;
        const locked = await lockUsers(tx, [viewer.id, ...audience]);
        const before = locked.find((u) => u.id === viewer.id);
        if (!before) throw new Error(`user ${viewer.id} vanished`);
        const user = await tx.user.update({ ...query, where: { id: viewer.id }, data: { availability } });
        if (before.availability !== availability) {
          emit.peers();
          emit.userRow(viewer.id);
          for (const id of [viewer.id, ...audience]) {
            emit.user({ userId: id, type: 'AVAILABILITY_CHANGED', payload: { userId: viewer.id, availability } });
          }
        }
        return user;
      });
    },

    /**
     * Users who could be asked for an instant interview right now: online,
     * AVAILABLE, taking interviews of `type` (when given), not in an interview under way, not the viewer. At most
     * AVAILABLE_PEERS_MAX, by name. Scans AVAILABLE users in id batches and
     * asks presence about each batch at once.
     */
    /**
     * availablePeers now, then again whenever it may have changed (presence,
     * availability, interview types, interview status), on any instance.
     * Changes that land while one list is read are folded into the next.
     */
    async watchAvailablePeers(viewer: Viewer, type: InterviewType | null): Promise<AsyncIterableIterator<User[]>> {
      return rereadOnChange(await events.peerChanges(), () => this.availablePeers(viewer, type));
    },

    async availablePeers(viewer: Viewer, type: InterviewType | null = null, query: UserQuery = {}, now = new Date()) {
      const found: string[] = [];
      let after = '00000000-0000-0000-0000-000000000000';
      const takesType = type ? Prisma.sql`${type}::"InterviewType" = ANY(u."interviewTypes")` : Prisma.sql`TRUE`;
      for (;;) {
        const batch = await db.$queryRaw<{ id: string }[]>`
          SELECT u.id FROM "User" u
          WHERE u.availability = 'AVAILABLE' AND u.id <> ${viewer.id}::uuid AND u.id > ${after}::uuid
            AND ${takesType} AND NOT ${inInterviewSql(now)}
          ORDER BY u.id LIMIT ${SCAN_BATCH}`;
        if (batch.length === 0) break;
        const online = await this.onlineMany(batch.map((b) => b.id));
        batch.forEach((b, i) => online[i] && found.push(b.id));
        if (found.length >= AVAILABLE_PEERS_MAX || batch.length < SCAN_BATCH) break;
        after = batch.at(-1)!.id;
      }
      return db.user.findMany({
        ...query,
        where: { id: { in: found.slice(0, AVAILABLE_PEERS_MAX) } },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      });
    },
  };
}

/**
 * SQL condition: user `u` is in an interview right now (IN_PROGRESS, or
 * SCHEDULED with its slot under way, e.g. an instant interview just accepted).
 */
export const inInterviewSql = (now: Date, userColumn = Prisma.sql`u.id`) => Prisma.sql`EXISTS (
  SELECT 1 FROM "InterviewParticipant" p
  JOIN "Interview" i ON i.id = p."interviewId"
  JOIN "Slot" s ON s.id = i."slotId"
  WHERE p."userId" = ${userColumn}
    AND (i.status = 'IN_PROGRESS' OR (i.status = 'SCHEDULED' AND s."startsAt" <= ${now} AND s."endsAt" > ${now})))`;

export type UserPresence = ReturnType<typeof createUserPresence>;
