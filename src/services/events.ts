// The one way state changes notify anyone. `transaction()` runs a change and
// stores its user events in the same database transaction, then publishes
// them (and room counts) only after commit: both or neither.
// `userStream()` replays stored events after a cursor and continues live,
// with no gap and no duplicate at the seam. Every stream ends, at this
// instance's shutdown, with a SERVER_SHUTDOWN that is neither stored nor
// published: `announceShutdown()`. MAINTENANCE_MODE is live-only as well:
// `announceLive()` hands it to every open `events` stream of this instance.
import type { PubSubEngine } from 'graphql-subscriptions';
import {
  channels,
  type EventPayload,
  type RoomCounts,
  type RoomEventMessage,
  type RoomEventType,
  type SessionEventMessage,
  type UserEventInput,
  type UserEventMessage,
} from '../domain/events.js';
import { DIFFICULTY_ORDER } from '../domain/matching.js';
import { closable, type AsyncQueue } from '../infra/async-queue.js';
import { subscribeQueue } from '../infra/pubsub.js';
import type { Db, Tx } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { createShutdownNotice, type ShutdownNotice } from '../infra/shutdown-notice.js';

const REPLAY_BATCH = 500;
const SHUTDOWN_PAYLOAD: EventPayload<'SERVER_SHUTDOWN'> = { reconnect: true };

/**
 * What a room stream also offers a transport that writes frames itself
 * (src/realtime/room-fanout.ts): the room's messages without a queue per
 * subscriber, and the SERVER_SHUTDOWN item to end with.
 */
export const ROOM_FEED = Symbol('roomFeed');
export interface RoomFeed {
  channel: string;
  /** Calls `onEvent` with every message of the room until the returned function is called. */
  listen(onEvent: (event: RoomEventMessage) => void): Promise<() => void>;
  final(lastDelivered: RoomEventMessage | undefined): Promise<RoomEventMessage>;
  notice: ShutdownNotice;
}

/** Collects what a transaction wants to announce. */
export interface Emitter {
  user(event: UserEventInput): void;
  room(slotId: string, type: RoomEventType): void;
  session(event: Omit<SessionEventMessage, 'at'>): void;
  /** Who is an available peer may have changed (see channels.peers). */
  peers(): void;
}

interface StoredRow {
  userId: string;
  seq: bigint;
  type: string;
  interviewId: string | null;
  payload: unknown;
  createdAt: Date;
}

export const toMessage = (row: StoredRow): UserEventMessage => ({
  userId: row.userId,
  seq: row.seq.toString(),
  type: row.type as UserEventMessage['type'],
  at: row.createdAt.toISOString(),
  interviewId: row.interviewId,
  payload: (row.payload ?? {}) as Record<string, unknown>,
});

export async function roomCounts(db: Db | Tx, slotId: string): Promise<RoomCounts> {
  const groups = await db.booking.groupBy({
    by: ['difficulty'],
    where: { slotId, status: 'WAITING' },
    _count: { _all: true },
  });
  const byDifficulty = DIFFICULTY_ORDER.map((difficulty) => ({
    difficulty,
    count: groups.find((g) => g.difficulty === difficulty)?._count._all ?? 0,
  }));
  return { waitingCount: byDifficulty.reduce((n, d) => n + d.count, 0), byDifficulty };
}

/**
 * Writes user events with per-user cursors. User rows are locked in id order,
 * so concurrent writers never deadlock and each user's cursors commit in order.
 * NO KEY UPDATE, not UPDATE: a row the transaction inserted that references a
 * user (a message's sender) holds a key-share lock on that user, which FOR
 * UPDATE waits for, so two peers messaging each other at once deadlocked.
 */
export async function storeUserEvents(tx: Tx, events: UserEventInput[], at = new Date()): Promise<UserEventMessage[]> {
  if (events.length === 0) return [];
  const ids = [...new Set(events.map((e) => e.userId))].sort();
  // Bulk rows travel as one text parameter, and only a count or one text comes back: Prisma copies every
  // parameter and result through its engine, which cost seconds for a pairing run's 100,000 events.
  const [{ locked }] = await tx.$queryRaw<[{ locked: bigint }]>`SELECT count(*) AS locked FROM (
    SELECT 1 FROM "User" WHERE id = ANY(string_to_array(${ids.join(',')}, ',')::uuid[]) ORDER BY id FOR NO KEY UPDATE) l`;
  // Event has no foreign keys (migration 20261202000000): this is the check.
  if (Number(locked) !== ids.length) throw new Error(`storing events: ${ids.length - Number(locked)} unknown user(s)`);
  // One statement bumps each user's cursor and inserts the events numbered after it, in input order.
  const json = JSON.stringify(events.map((e) => ({ u: e.userId, t: e.type, i: e.interviewId ?? null, p: e.payload })));
  const [{ bases }] = await tx.$queryRaw<[{ bases: string }]>`
    WITH x AS (
      SELECT * FROM ROWS FROM (json_to_recordset(${json}::json) AS (u uuid, t text, i uuid, p jsonb)) WITH ORDINALITY AS x(u, t, i, p, k)),
    b AS (
      UPDATE "User" SET "eventSeq" = "eventSeq" + c.n
      FROM (SELECT u, count(*) AS n FROM x GROUP BY u) c WHERE "User".id = c.u
      RETURNING "User".id, "User"."eventSeq" - c.n AS base),
    e AS (
      INSERT INTO "Event" ("userId", seq, type, "interviewId", payload, "createdAt")
      SELECT x.u, b.base + row_number() OVER (PARTITION BY x.u ORDER BY x.k), x.t::"EventType", x.i, x.p, ${at}
      FROM x JOIN b ON b.id = x.u)
    SELECT string_agg(id || ' ' || base, ',') AS bases FROM b`;
  const next = new Map(
    bases.split(',').map((pair) => {
      const [id, base] = pair.split(' ');
      return [id!, BigInt(base!) + 1n];
    }),
  );
  return events.map((e) => {
    const seq = next.get(e.userId)!;
    next.set(e.userId, seq + 1n);
    return toMessage({
      userId: e.userId,
      seq,
      type: e.type,
      interviewId: e.interviewId ?? null,
      payload: e.payload,
      createdAt: at,
    });
  });
}

/** Runs inside events.transaction after the change, before its user events are stored (offline notices). */
export type BeforeStore = (tx: Tx, events: UserEventInput[]) => Promise<void>;

/** Live-only user events (not stored): delivered between stored ones, carrying the stream's last cursor. */
const LIVE_ONLY = Symbol('liveOnly');
type LiveOnlyMessage = UserEventMessage & { [LIVE_ONLY]?: true };

export function createEvents({ db, pubsub, log }: { db: Db; pubsub: PubSubEngine; log: Logger }) {
  const shutdownNotice = createShutdownNotice();
  /** The live queue of every open `events` stream here, for live-only notices (MAINTENANCE_MODE). */
  const userQueues = new Set<AsyncQueue<LiveOnlyMessage>>();
  const beforeStore: BeforeStore[] = [];

  async function publish(
    userEvents: UserEventMessage[],
    rooms: RoomEventMessage[],
    sessions: SessionEventMessage[] = [],
    peersChanged = false,
  ) {
    // Stored events are safe if a publish fails: clients catch up by cursor.
    const sends = [
      ...userEvents.map((e) => pubsub.publish(channels.user(e.userId), e)),
      ...rooms.map((r) => pubsub.publish(channels.room(r.slotId), r)),
      ...sessions.map((m) => pubsub.publish(channels.session(m.interviewId), m)),
      ...(peersChanged ? [pubsub.publish(channels.peers, {})] : []),
    ];
    const failed = (await Promise.allSettled(sends)).filter((r) => r.status === 'rejected');
    if (failed.length)
      log.warn(
        { failed: failed.length, reason: String((failed[0] as PromiseRejectedResult).reason) },
        'event publish failed',
      );
  }

  return {
    /** Runs `fn` in a transaction; events it emits are stored in it and published after commit. */
    async transaction<T>(fn: (tx: Tx, emit: Emitter) => Promise<T>, options: { timeout?: number } = {}): Promise<T> {
      const userEvents: UserEventInput[] = [];
      const roomChanges = new Map<string, RoomEventType>();
      const sessionEvents: Omit<SessionEventMessage, 'at'>[] = [];
      let peersChanged = false;
      const emit: Emitter = {
        user: (e) => void userEvents.push(e),
        room: (slotId, type) => void roomChanges.set(slotId, type),
        session: (e) => void sessionEvents.push(e),
        peers: () => void (peersChanged = true),
      };
      const { result, stored, rooms } = await db.$transaction(
        async (tx) => {
          const result = await fn(tx, emit);
          for (const hook of beforeStore) if (userEvents.length) await hook(tx, userEvents);
          const stored = await storeUserEvents(tx, userEvents);
          const at = new Date().toISOString();
          const rooms = await Promise.all(
            [...roomChanges].map(async ([slotId, type]) => ({ type, slotId, at, ...(await roomCounts(tx, slotId)) })),
          );
          return { result, stored, rooms };
        },
        { timeout: options.timeout ?? 15_000, maxWait: 10_000 },
      );
      const at = new Date().toISOString();
      await publish(
        stored,
        rooms,
        sessionEvents.map((e) => ({ ...e, at })),
        peersChanged,
      );
      return result;
    },

    /** Adds work to every transaction that stores user events, committed with them (e.g. emails). */
    beforeStore(hook: BeforeStore) {
      beforeStore.push(hook);
    },

    /**
     * A live-only event (not stored, not published) to every open `events` stream of this
     * instance: each instance calls it when it hears the news. Its id is the stream's last cursor.
     */
    announceLive<T extends 'MAINTENANCE_MODE'>(type: T, payload: EventPayload<T>): number {
      const at = new Date().toISOString();
      for (const q of userQueues)
        q.push({ userId: '', seq: '0', type, at, interviewId: null, payload, [LIVE_ONLY]: true });
      return userQueues.size;
    },

    /** Publishes without storing: ephemeral session events (typing, presence in the session). */
    publishSession(event: Omit<SessionEventMessage, 'at'>) {
      return publish([], [], [{ ...event, at: new Date().toISOString() }]);
    },

    /** Deletes stored user events older than the retention (the prune-events job). */
    async prune(retentionDays: number, now = new Date()): Promise<number> {
      const { count } = await db.event.deleteMany({
        where: { createdAt: { lt: new Date(now.getTime() - retentionDays * 86_400_000) } },
      });
      return count;
    },

    /** A user's stored events older than `before` (all when null), newest first, at most `take`. */
    async stored(userId: string, before: bigint | null, take: number): Promise<UserEventMessage[]> {
      const rows = await db.event.findMany({
        where: { userId, ...(before !== null ? { seq: { lt: before } } : {}) },
        orderBy: { seq: 'desc' },
        take,
      });
      return rows.map(toMessage);
    },

    /** A user's stored events newer than `after` (all when null), oldest first, at most `take`. */
    async storedAfter(userId: string, after: bigint | null, take: number): Promise<UserEventMessage[]> {
      const rows = await db.event.findMany({
        where: { userId, ...(after !== null ? { seq: { gt: after } } : {}) },
        orderBy: { seq: 'asc' },
        take,
      });
      return rows.map(toMessage);
    },

    /** Current cursor of a user: the id of their newest event, or "0". */
    async cursor(userId: string): Promise<bigint> {
      const u = await db.user.findUnique({ where: { id: userId }, select: { eventSeq: true } });
      return u?.eventSeq ?? 0n;
    },

    /**
     * Stored events after `after` in order, then live ones. Subscribes before
     * replaying; a live event that skips ahead (published out of order by
     * another instance) is preceded by the missing ones read from the table.
     */
    userStream(userId: string, after: bigint | null): Promise<AsyncIterableIterator<UserEventMessage>> {
      return shutdownNotice.opening(async () => {
        const live: AsyncQueue<LiveOnlyMessage> = await subscribeQueue(pubsub, channels.user(userId), () =>
          userQueues.delete(live),
        );
        userQueues.add(live);
        const start = after ?? (await this.cursor(userId));
        const readAfter = (from: bigint, upTo: bigint | null) =>
          db.event
            .findMany({
              where: { userId, seq: upTo === null ? { gt: from } : { gt: from, lte: upTo } },
              orderBy: { seq: 'asc' },
              take: REPLAY_BATCH,
            })
            .then((rows) => rows.map(toMessage));

        async function* run(): AsyncGenerator<UserEventMessage> {
          let last = start;
          for (;;) {
            const batch = await readAfter(last, null);
            for (const e of batch) {
              yield e;
              last = BigInt(e.seq);
            }
            if (batch.length < REPLAY_BATCH) break;
          }
          for await (const e of live) {
            if (e[LIVE_ONLY]) {
              yield { ...e, userId, seq: last.toString() };
              continue;
            }
            const seq = BigInt(e.seq);
            if (seq <= last) continue;
            while (seq > last + 1n) {
              const missing = await readAfter(last, seq - 1n);
              if (missing.length === 0) break;
              for (const m of missing) {
                yield m;
                last = BigInt(m.seq);
              }
            }
            yield e;
            last = seq;
          }
        }
        // Its id is the last cursor this stream delivered, so `events(after: id)` elsewhere resumes exactly.
        return shutdownNotice.wrap(closable(run(), live), (last) => ({
          userId,
          seq: last?.seq ?? start.toString(),
          type: 'SERVER_SHUTDOWN',
          at: new Date().toISOString(),
          interviewId: null,
          payload: SHUTDOWN_PAYLOAD,
        }));
      });
    },

    /** A queue that gets an item whenever who is an available peer may have changed, on any instance. */
    peerChanges(): Promise<AsyncQueue<unknown>> {
      return subscribeQueue<unknown>(pubsub, channels.peers);
    },

    sessionStream(interviewId: string): Promise<AsyncIterableIterator<SessionEventMessage>> {
      return shutdownNotice.opening(async () => {
        const queue = await subscribeQueue<SessionEventMessage>(pubsub, channels.session(interviewId));
        return shutdownNotice.wrap(queue, () => ({
          type: 'SERVER_SHUTDOWN',
          interviewId,
          actorId: null,
          at: new Date().toISOString(),
          payload: SHUTDOWN_PAYLOAD,
        }));
      });
    },

    roomStream(slotId: string): Promise<AsyncIterableIterator<RoomEventMessage> & { [ROOM_FEED]: RoomFeed }> {
      return shutdownNotice.opening(async () => {
        const channel = channels.room(slotId);
        const queue = await subscribeQueue<RoomEventMessage>(pubsub, channel);
        // The counts the client last had; fresh ones if it has had none yet.
        const final = async (last: RoomEventMessage | undefined): Promise<RoomEventMessage> => ({
          ...(last ?? { slotId, ...(await roomCounts(db, slotId)) }),
          type: 'SERVER_SHUTDOWN',
          at: new Date().toISOString(),
        });
        const feed: RoomFeed = {
          channel,
          async listen(onEvent) {
            const id = await pubsub.subscribe(channel, onEvent, {});
            return () => void pubsub.unsubscribe(id);
          },
          final,
          notice: shutdownNotice,
        };
        return Object.assign(shutdownNotice.wrap(queue, final), { [ROOM_FEED]: feed });
      });
    },

    /**
     * Shutdown: every open stream of this instance gets one final
     * SERVER_SHUTDOWN (not stored, not published: only this instance stops).
     * Resolves once each was written to its socket, or after `deadlineMs`.
     */
    announceShutdown(deadlineMs: number) {
      return shutdownNotice.announce(deadlineMs);
    },
  };
}

export type Events = ReturnType<typeof createEvents>;
