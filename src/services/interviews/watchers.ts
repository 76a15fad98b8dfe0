// Watching an interview session: subscribing is showing up. The first watching
// subscription of a participant (across instances) sets their joinedAt and
// tells the peer PEER_JOINED; the last one to close tells the peer PEER_LEFT.
import type { EventType, SessionEventMessage } from '../../domain/events.js';
import type { Db } from '../../infra/db.js';
import type { Logger } from '../../infra/logger.js';
import type { Presence } from '../../infra/presence.js';
import type { Viewer } from '../accounts.js';
import type { Events } from '../events.js';
import { WATCH_KEYS, announcePresence, lockInterview, requireParticipant, sides, watchKey } from './participants.js';

export function createWatchers({
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
   * A watcher subscription of `userId` started or stopped. The interview row
   * lock serialises every change of the same session's watchers across
   * instances, so exactly one subscription sees the count go 0 → 1 (PEER_JOINED)
   * and one sees it go 1 → 0 (PEER_LEFT).
   */
  async function watchChanged(
    interviewId: string,
    userId: string,
    member: string,
    op: 'add' | 'remove',
    now = new Date(),
  ) {
    await events.transaction(async (tx, emit) => {
      await lockInterview(tx, interviewId);
      const key = watchKey(interviewId, userId);
      const count = op === 'add' ? await presence.add(key, member) : await presence.remove(key, member);
      if (count !== (op === 'add' ? 1 : 0)) return;
      const interview = await tx.interview.findUniqueOrThrow({
        where: { id: interviewId },
        include: { participants: true },
      });
      const { me, peer } = sides(interview.participants, userId);
      if (
        op === 'add' &&
        me.joinedAt === null &&
        (interview.status === 'SCHEDULED' || interview.status === 'IN_PROGRESS')
      ) {
        await tx.interviewParticipant.update({
          where: { interviewId_userId: { interviewId, userId } },
          data: { joinedAt: now },
        });
      }
      announcePresence(emit, op === 'add' ? 'PEER_JOINED' : 'PEER_LEFT', interviewId, userId, peer.userId);
    });
  }

  /**
   * This instance's watching subscriptions per (interview, user). Presence holds one
   * member per instance for them, however many a user opens, and the changes of one
   * key run one after another so that only the first adds it and only the last removes it.
   */
  const watching = new Map<string, number>();
  const turns = new Map<string, Promise<unknown>>();
  function inTurn(key: string, fn: () => Promise<void>): Promise<void> {
    const run = (turns.get(key) ?? Promise.resolve()).then(fn);
    const settled = run.catch(() => {});
    turns.set(key, settled);
    void settled.then(() => turns.get(key) === settled && turns.delete(key));
    return run;
  }

  function startWatching(interviewId: string, userId: string) {
    const key = watchKey(interviewId, userId);
    return inTurn(key, async () => {
      const n = watching.get(key) ?? 0;
      if (n === 0) {
        const member = presence.member(key);
        try {
          await watchChanged(interviewId, userId, member, 'add');
        } catch (err) {
          await presence.remove(key, member).catch(() => 0);
          throw err;
        }
      }
      watching.set(key, n + 1);
    });
  }

  function stopWatching(interviewId: string, userId: string) {
    const key = watchKey(interviewId, userId);
    return inTurn(key, async () => {
      const n = watching.get(key) ?? 0;
      if (n > 1) return void watching.set(key, n - 1);
      watching.delete(key);
      await watchChanged(interviewId, userId, presence.member(key), 'remove');
    });
  }

  // Session subscriptions closing (PEER_LEFT being written), so a shutdown can wait for them.
  const leaving = new Set<Promise<void>>();
  let closed = false;

  return {
    /** The session's live events for a participant. The viewer's own arrivals are not echoed back. */
    async watchSession(viewer: Viewer, interviewId: string): Promise<AsyncIterableIterator<SessionEventMessage>> {
      await requireParticipant(db, viewer, interviewId);
      const source = await events.sessionStream(interviewId);
      try {
        await startWatching(interviewId, viewer.id);
      } catch (err) {
        await source.return?.();
        throw err;
      }
      const own = new Set<EventType>(['PEER_JOINED', 'PEER_LEFT']);
      let left = false;
      const leave = async () => {
        if (left) return;
        left = true;
        // Once the service is closed (shutdown), the database may be gone; presence.close() drops the member.
        if (closed) return;
        const done = stopWatching(interviewId, viewer.id).catch((err: unknown) =>
          log.warn({ err, interviewId, userId: viewer.id }, 'could not record leaving the session'),
        );
        leaving.add(done);
        await done.finally(() => leaving.delete(done));
      };
      const it: AsyncIterableIterator<SessionEventMessage> = {
        async next() {
          for (;;) {
            const r = await source.next();
            if (r.done) {
              await leave();
              return r;
            }
            if (!(own.has(r.value.type) && r.value.actorId === viewer.id)) return r;
          }
        },
        async return() {
          await source.return?.();
          await leave();
          return { value: undefined, done: true };
        },
        async throw(err?: unknown) {
          await source.return?.();
          await leave();
          throw err;
        },
        [Symbol.asyncIterator]() {
          return it;
        },
      };
      return it;
    },

    /**
     * PEER_LEFT for session watchers whose last subscriptions were on an instance that died
     * (nothing closed them). As with USER_OFFLINE, the stale members are dropped only after the
     * announcement commits, so a failed one is retried by the next sweep. Returns how many it announced.
     */
    async sweepStaleWatchers(): Promise<number> {
      let announced = 0;
      for (const key of await presence.stale(WATCH_KEYS)) {
        const [, interviewId, userId] = key.split(':');
        if (!interviewId || !userId) continue;
        const left = await events.transaction(async (tx, emit) => {
          await lockInterview(tx, interviewId);
          const { stale, live } = await presence.inspect(key);
          if (stale === 0 || live > 0) return false;
          const participants = await tx.interviewParticipant.findMany({ where: { interviewId } });
          const peer = participants.find((p) => p.userId !== userId);
          if (!peer || !participants.some((p) => p.userId === userId)) return false;
          announcePresence(emit, 'PEER_LEFT', interviewId, userId, peer.userId);
          return true;
        });
        await presence.prune(key);
        if (left) announced += 1;
      }
      return announced;
    },

    /**
     * For shutdown, after the sockets are closed and before the database is:
     * waits for PEER_LEFT writes under way and skips those of subscriptions closed later.
     */
    async close() {
      closed = true;
      await Promise.allSettled([...leaving]);
    },
  };
}
