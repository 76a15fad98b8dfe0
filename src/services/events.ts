// The one way state changes notify anyone. `transaction()` runs a change and
// stores its user events in the same database transaction, then publishes
// them (and room counts) only after commit: both or neither.
// `userStream()` replays stored events after a cursor and continues live,
// with no gap and no duplicate at the seam (as an iterator, or pushed to a
// transport that writes frames itself: USER_FEED). Every stream ends, at this
// instance's shutdown, with a SERVER_SHUTDOWN that is neither stored nor
// published: `announceShutdown()`. MAINTENANCE_MODE is live-only as well:
// `announceLive()` hands it to every open `events` stream of this instance.
import type { PubSubEngine } from 'graphql-subscriptions';
import {
  channels,
  type EventPayload,
  type EventType,
  type RoomCounts,
  type RoomEventMessage,
  type RoomEventType,
  type SessionEventMessage,
  type UserEventInput,
  type UserEventMessage,
} from '../domain/events.js';
import { DIFFICULTY_ORDER } from '../domain/matching.js';
import { AsyncQueue } from '../infra/async-queue.js';
import { subscribeQueue } from '../infra/pubsub.js';
import {
  pgQuery,
  prismaQuery,
  sqlTransaction,
  type Db,
  type Query,
  type Sql,
  type SqlClient,
  type Tx,
} from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { UserRows } from './user-rows.js';
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

/**
 * What a user stream also offers a transport that writes frames itself
 * (src/realtime/user-delivery.ts): the stream's events pushed in order, the
 * live ones synchronously from the pub/sub callback, without a queue or
 * iterator per event; and the SERVER_SHUTDOWN item to end with.
 */
export const USER_FEED = Symbol('userFeed');
export interface UserSink {
  /** The next event, live: hand it on now, after those handed before. */
  push(event: UserEventMessage): void;
  /** The next event, read from the table (replay, a gap): resolves when the next one may follow (it was written). */
  write(event: UserEventMessage): Promise<void>;
  /** The table could not be read: the stream stopped; the client resumes by cursor. */
  fail(err: unknown): void;
}
export interface UserFeed {
  /** Takes the stream over from its iterator (which then yields nothing). Returns the function that ends it. */
  start(sink: UserSink): () => void;
  final(lastDelivered: UserEventMessage | undefined): UserEventMessage;
  notice: ShutdownNotice;
}

/** Collects what a transaction wants to announce. */
export interface Emitter {
  user(event: UserEventInput): void;
  room(slotId: string, type: RoomEventType): void;
  session(event: Omit<SessionEventMessage, 'at'>): void;
  /** Who is an available peer may have changed (see channels.peers). */
  peers(): void;
  /** This user's row changed: every instance drops its copy before the events are published (UserRows). */
  userRow(userId: string): void;
}
/** What a plain-SQL transaction may announce (room counts are read with Prisma). */
export type SqlEmitter = Pick<Emitter, 'user' | 'session' | 'peers'>;

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
 * Writes user events with per-user cursors (on either kind of transaction).
 * User rows are locked in id order, so concurrent writers never deadlock and
 * each user's cursors commit in order. NO KEY UPDATE, not UPDATE:
 * a row the transaction inserted that references a user (a message's sender)
 * holds a key-share lock on that user, which FOR UPDATE waits for, so two peers
 * messaging each other at once deadlocked. The update is its own statement, so
 * its snapshot is taken after the locks: folded into the locking statement it
 * met row versions from before a concurrent commit and deadlocked on them.
 */
export async function storeUserEvents(
  query: Query,
  events: UserEventInput[],
  at = new Date(),
): Promise<UserEventMessage[]> {
  if (events.length === 0) return [];
  const ids = [...new Set(events.map((e) => e.userId))].sort();
  // One user: the update's own row lock is all there is, in no order to keep (chat's hot path).
  // A count, not the rows: Prisma copies every result row through its engine (100,000 in a pairing run).
  if (ids.length > 1)
    await query(
      `SELECT count(*) AS locked FROM (
         SELECT 1 FROM "User" WHERE id = ANY(string_to_array($1, ',')::uuid[]) ORDER BY id FOR NO KEY UPDATE) l`,
      [ids.join(',')],
    );
  // Bulk rows travel as one JSON text parameter, and one text comes back. One statement bumps each
  // user's cursor and inserts the events numbered after it, in input order.
  const json = JSON.stringify(events.map((e) => ({ u: e.userId, t: e.type, i: e.interviewId ?? null, p: e.payload })));
  const [row] = await query<{ bases: string | null }>(
    `WITH x AS (
       SELECT * FROM ROWS FROM (json_to_recordset($1::json) AS (u uuid, t text, i uuid, p jsonb)) WITH ORDINALITY AS x(u, t, i, p, k)),
     b AS (
       UPDATE "User" SET "eventSeq" = "eventSeq" + c.n
       FROM (SELECT u, count(*) AS n FROM x GROUP BY u) c WHERE "User".id = c.u
       RETURNING "User".id, "User"."eventSeq" - c.n AS base),
     e AS (
       INSERT INTO "Event" ("userId", seq, type, "interviewId", payload, "createdAt")
       SELECT x.u, b.base + row_number() OVER (PARTITION BY x.u ORDER BY x.k), x.t::"EventType", x.i, x.p, $2::timestamptz
       FROM x JOIN b ON b.id = x.u)
     SELECT string_agg(id || ' ' || base, ',') AS bases FROM b`,
    [json, at.toISOString()],
  );
  const next = new Map(
    (row?.bases ?? '').split(',').flatMap((pair) => {
      const [id, base] = pair.split(' ');
      return id && base ? [[id, BigInt(base) + 1n] as const] : [];
    }),
  );
  // Event has no foreign keys (migration 20261202000000): a user without a row is refused here, rolling back.
  if (next.size !== ids.length) throw new Error(`storing events: ${ids.length - next.size} unknown user(s)`);
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

/**
 * Runs inside events.transaction after the change, before its user events of the types it
 * registered for are stored (offline notices).
 */
export type BeforeStore = (tx: Tx, events: UserEventInput[]) => Promise<void>;

/** Live-only user events (not stored): delivered between stored ones, carrying the stream's last cursor. */
const LIVE_ONLY = Symbol('liveOnly');
type LiveOnlyMessage = UserEventMessage & { [LIVE_ONLY]?: true };

export function createEvents({
  db,
  sql,
  pubsub,
  users,
  log,
}: {
  db: Db;
  sql: Sql;
  pubsub: PubSubEngine;
  users: UserRows;
  log: Logger;
}) {
  const shutdownNotice = createShutdownNotice();
  /** How every open `events` stream here takes a live message, for live-only notices (MAINTENANCE_MODE). */
  const userStreams = new Set<(message: LiveOnlyMessage) => void>();
  const beforeStore: { types: Set<EventType>; hook: BeforeStore }[] = [];

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

  /** Collects what a transaction announces while it runs; `publish` sends it after commit. */
  function collector() {
    const userEvents: UserEventInput[] = [];
    const roomChanges = new Map<string, RoomEventType>();
    const sessionEvents: Omit<SessionEventMessage, 'at'>[] = [];
    let peersChanged = false;
    const changedUsers = new Set<string>();
    const emit: Emitter = {
      user: (e) => void userEvents.push(e),
      room: (slotId, type) => void roomChanges.set(slotId, type),
      session: (e) => void sessionEvents.push(e),
      peers: () => void (peersChanged = true),
      userRow: (userId) => void changedUsers.add(userId),
    };
    return {
      emit,
      userEvents,
      roomChanges,
      async publish(stored: UserEventMessage[], rooms: RoomEventMessage[]) {
        // First, so that no instance relays an event about the change while still holding the old row.
        await users.changed([...changedUsers]);
        const at = new Date().toISOString();
        return publish(
          stored,
          rooms,
          sessionEvents.map((e) => ({ ...e, at })),
          peersChanged,
        );
      },
    };
  }

  return {
    /** Runs `fn` in a transaction; events it emits are stored in it and published after commit. */
    async transaction<T>(fn: (tx: Tx, emit: Emitter) => Promise<T>, options: { timeout?: number } = {}): Promise<T> {
      const collected = collector();
      const { result, stored, rooms } = await db.$transaction(
        async (tx) => {
          const result = await fn(tx, collected.emit);
          for (const { types, hook } of beforeStore) {
            const theirs = collected.userEvents.filter((e) => types.has(e.type));
            if (theirs.length) await hook(tx, theirs);
          }
          const stored = await storeUserEvents(prismaQuery(tx), collected.userEvents);
          const at = new Date().toISOString();
          const rooms = await Promise.all(
            [...collected.roomChanges].map(async ([slotId, type]) => ({
              type,
              slotId,
              at,
              ...(await roomCounts(tx, slotId)),
            })),
          );
          return { result, stored, rooms };
        },
        { timeout: options.timeout ?? 15_000, maxWait: 10_000 },
      );
      await collected.publish(stored, rooms);
      return result;
    },

    /**
     * `transaction()` on a plain-SQL connection, for hot paths (Prisma compiles every query first):
     * user and session events only. Room counts and beforeStore hooks run on Prisma, so an event
     * type a hook registered for is refused here.
     */
    async sqlTransaction<T>(fn: (client: SqlClient, emit: SqlEmitter) => Promise<T>): Promise<T> {
      const collected = collector();
      const { result, stored } = await sqlTransaction(sql, async (client) => {
        const result = await fn(client, collected.emit);
        const hooked = collected.userEvents.find((e) => beforeStore.some(({ types }) => types.has(e.type)));
        if (hooked) throw new Error(`${hooked.type} events have a beforeStore hook: store them with transaction()`);
        return { result, stored: await storeUserEvents(pgQuery(client), collected.userEvents) };
      });
      await collected.publish(stored, []);
      return result;
    },

    /** Adds work to every transaction that stores user events of `types`, committed with them (e.g. emails). */
    beforeStore(types: EventType[], hook: BeforeStore) {
      beforeStore.push({ types: new Set(types), hook });
    },

    /**
     * A live-only event (not stored, not published) to every open `events` stream of this
     * instance: each instance calls it when it hears the news. Its id is the stream's last cursor.
     */
    announceLive<T extends 'MAINTENANCE_MODE'>(type: T, payload: EventPayload<T>): number {
      const at = new Date().toISOString();
      for (const live of userStreams)
        live({ userId: '', seq: '0', type, at, interviewId: null, payload, [LIVE_ONLY]: true });
      return userStreams.size;
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
     * replaying; live events wait while the table is read. A live event that
     * skips ahead (published out of order by another instance) is preceded by
     * the missing ones read from the table. Read as an iterator, or pushed
     * (USER_FEED); either way through the one ordering below.
     */
    userStream(
      userId: string,
      after: bigint | null,
    ): Promise<AsyncIterableIterator<UserEventMessage> & { [USER_FEED]: UserFeed }> {
      return shutdownNotice.opening(async () => {
        let sink: UserSink | null = null;
        let fed = false;
        let ended = false;
        /** Replaying or filling a gap: live messages wait here, in order. */
        let reading = true;
        const held: LiveOnlyMessage[] = [];
        let last = 0n;
        const live = (message: LiveOnlyMessage) => {
          if (ended) return;
          if (reading) return void held.push(message);
          if (handOn(message)) return;
          reading = true;
          held.push(message);
          void catchUp(false);
        };
        const subId = await pubsub.subscribe(channels.user(userId), live, {});
        const end = () => {
          if (ended) return;
          ended = true;
          held.length = 0;
          userStreams.delete(live);
          pubsub.unsubscribe(subId);
        };
        userStreams.add(live);
        let start: bigint;
        try {
          start = after ?? (await this.cursor(userId));
        } catch (err) {
          end();
          throw err;
        }
        last = start;

        /** Hands on a live message that is next in order or already had (true); false for a gap before it. */
        function handOn(message: LiveOnlyMessage): boolean {
          if (message[LIVE_ONLY]) {
            sink!.push({ ...message, userId, seq: last.toString() });
            return true;
          }
          const seq = BigInt(message.seq);
          if (seq > last + 1n) return false;
          if (seq === last + 1n) {
            last = seq;
            sink!.push(message);
          }
          return true;
        }
        /** Hands on stored events after the last one up to `upTo` (all when null), each after the one before was written. */
        async function read(upTo: bigint | null) {
          for (;;) {
            const rows = await db.event.findMany({
              where: { userId, seq: upTo === null ? { gt: last } : { gt: last, lte: upTo } },
              orderBy: { seq: 'asc' },
              take: REPLAY_BATCH,
            });
            for (const row of rows) {
              if (ended) return;
              last = row.seq;
              await sink!.write(toMessage(row));
            }
            if (rows.length < REPLAY_BATCH) return;
          }
        }
        async function catchUp(replay: boolean) {
          try {
            if (replay) await read(null);
            while (!ended && held.length > 0) {
              const message = held.shift()!;
              if (handOn(message)) continue;
              const seq = BigInt(message.seq);
              await read(seq - 1n);
              // Rows still missing (pruned): the live event goes on regardless.
              if (!ended && !handOn(message)) {
                last = seq;
                sink!.push(message);
              }
            }
            reading = false;
          } catch (err) {
            end();
            sink!.fail(err);
          }
        }
        const begin = (s: UserSink) => {
          if (sink) return false;
          sink = s;
          void catchUp(true);
          return true;
        };

        // Its id is the last cursor this stream delivered, so `events(after: id)` elsewhere resumes exactly.
        const final = (lastDelivered: UserEventMessage | undefined): UserEventMessage => ({
          userId,
          seq: lastDelivered?.seq ?? start.toString(),
          type: 'SERVER_SHUTDOWN',
          at: new Date().toISOString(),
          interviewId: null,
          payload: SHUTDOWN_PAYLOAD,
        });
        const feed: UserFeed = {
          start(s) {
            if (!begin(s)) throw new Error('This user stream is already being read.');
            fed = true;
            return end;
          },
          final,
          notice: shutdownNotice,
        };
        // The iterator: the same ordering into a queue. Its replay is not paced by the
        // reader; the socket path (USER_FEED) is, and iterator readers start live (matchFound).
        const queue = new AsyncQueue<UserEventMessage>(() => void (fed || end()));
        let failure: Error | undefined;
        const iterator: AsyncIterableIterator<UserEventMessage> = {
          async next() {
            begin({
              push: (e) => queue.push(e),
              write: async (e) => queue.push(e),
              fail: (err) => {
                failure = err instanceof Error ? err : new Error(String(err));
                queue.close();
              },
            });
            const r = await queue.next();
            if (r.done && failure) throw failure;
            return r;
          },
          return: () => queue.return(),
          [Symbol.asyncIterator]: () => iterator,
        };
        return Object.assign(shutdownNotice.wrap(iterator, final), { [USER_FEED]: feed });
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
