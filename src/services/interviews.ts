// The interview session: lifecycle (start, end, swap roles), showing up and
// no-shows, auto-end, video credentials, feedback, history and stats.
//
// Every change locks the interview row (SELECT … FOR UPDATE) and asks the
// state machine of domain/interview-state.ts before writing, inside
// events.transaction, so the change and its events commit together.
// Lock order, shared with bookings and matching so nothing deadlocks:
// slot → bookings (by id) → interview → users (storeUserEvents).
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { conflict, forbidden, notFound } from '../domain/errors.js';
import type { EventPayload, EventType, SessionEventMessage, UserEventInput } from '../domain/events.js';
import {
  averageRatings,
  canSeeFeedback,
  normalizeFeedback,
  visibleFeedback,
  type FeedbackInput,
  type RatingAverages,
} from '../domain/feedback.js';
import { autoEndAt, canGiveFeedback, noShowOutcome, otherRole, transition } from '../domain/interview-state.js';
import { clockExcludingMaintenance, type Window } from '../domain/maintenance.js';
import { generateToken04, token04ExpiresAt } from '../domain/zego-token.js';
import type { Db, Tx } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Presence } from '../infra/presence.js';
import type { JobDefinition } from '../jobs/scheduler.js';
import type { Feedback, InterviewParticipant, InterviewType } from '../generated/prisma/client.js';
import type { Viewer } from './accounts.js';
import { lockSlot } from './bookings.js';
import type { Emitter, Events } from './events.js';
import type { Maintenance } from './maintenance.js';

export const VIDEO_PROVIDER = 'zego';
/** The video room of an interview: one per interview, so a token for one lets nobody into another. */
export const videoRoomId = (interviewId: string) => `mockmate-${interviewId}`;
/** Presence key of one participant watching one interview session (any number of subscriptions, any instance). */
const WATCH_KEYS = 'interview:';
export const watchKey = (interviewId: string, userId: string) => `${WATCH_KEYS}${interviewId}:${userId}`;

const INTERVIEW_TYPES: InterviewType[] = ['BEHAVIORAL', 'TECHNICAL'];
/** Candidates read per query by a timeouts run. */
const TIMEOUT_BATCH = 200;

export interface VideoCredentials {
  provider: string;
  appId: number;
  roomId: string;
  token: string;
  expiresAt: Date;
}

export interface InterviewStats {
  completed: number;
  completedByType: { type: InterviewType; count: number }[];
  feedbackReceived: number;
  averageRatings: RatingAverages;
  recentAverageRatings: RatingAverages;
  noShows: number;
}

export type TimeoutOutcome = 'no-show' | 'time-limit' | 'not-started';

/** Participants and everyone else: others learn nothing (NOT_FOUND); an admin, who may read it, is told FORBIDDEN. */
function denied(viewer: Viewer, exists: boolean) {
  return exists && viewer.role === 'ADMIN' ? forbidden('Only the participants of this interview can do this.') : notFound('Interview');
}

export function createInterviews({
  db,
  events,
  config,
  presence,
  log,
  maintenance,
}: {
  db: Db;
  events: Events;
  config: Config;
  presence: Presence;
  log: Logger;
  maintenance: Pick<Maintenance, 'recentWindows'>;
}) {
  const lockInterview = (tx: Tx, interviewId: string) =>
    tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Interview" WHERE id = ${interviewId}::uuid FOR UPDATE`;

  /** Checks the viewer takes part (without locking anything for strangers), then locks and loads the interview. */
  async function forParticipant(tx: Tx, viewer: Viewer, interviewId: string) {
    const ps = await tx.interviewParticipant.findMany({ where: { interviewId }, select: { userId: true } });
    if (!ps.some((p) => p.userId === viewer.id)) throw denied(viewer, ps.length > 0);
    await lockInterview(tx, interviewId);
    const interview = await tx.interview.findUniqueOrThrow({ where: { id: interviewId }, include: { participants: true, slot: true } });
    return { interview, ...sides(interview.participants, viewer.id) };
  }

  function sides(participants: InterviewParticipant[], userId: string) {
    const me = participants.find((p) => p.userId === userId);
    const peer = participants.find((p) => p.userId !== userId);
    if (!me || !peer) throw new Error(`interview participants incomplete for ${userId}`);
    return { me, peer };
  }

  /** Tells the peer (stored) and the session (live) that `userId` arrived or left. */
  function announcePresence(emit: Emitter, type: 'PEER_JOINED' | 'PEER_LEFT', interviewId: string, userId: string, peerId: string) {
    emit.user({ userId: peerId, type, interviewId, payload: { userId } });
    emit.session({ type, interviewId, actorId: userId, payload: { userId } });
  }

  /** A user event to both participants and one session event: what every lifecycle change announces. */
  function announceToBoth<T extends 'SESSION_STARTED' | 'SESSION_ENDED' | 'ROLES_SWAPPED'>(
    emit: Emitter,
    type: T,
    interviewId: string,
    userIds: string[],
    actorId: string | null,
    payload: EventPayload<T>,
  ) {
    for (const userId of userIds) emit.user({ userId, type, interviewId, payload } as UserEventInput);
    emit.session({ type, interviewId, actorId, payload: { ...payload } });
  }

  /**
   * A watcher subscription of `userId` started or stopped. The interview row
   * lock serialises every change of the same session's watchers across
   * instances, so exactly one subscription sees the count go 0 → 1 (PEER_JOINED)
   * and one sees it go 1 → 0 (PEER_LEFT).
   */
  async function watchChanged(interviewId: string, userId: string, member: string, op: 'add' | 'remove', now = new Date()) {
    await events.transaction(async (tx, emit) => {
      await lockInterview(tx, interviewId);
      const key = watchKey(interviewId, userId);
      const count = op === 'add' ? await presence.add(key, member) : await presence.remove(key, member);
      if (count !== (op === 'add' ? 1 : 0)) return;
      const interview = await tx.interview.findUniqueOrThrow({ where: { id: interviewId }, include: { participants: true } });
      const { me, peer } = sides(interview.participants, userId);
      if (op === 'add' && me.joinedAt === null && (interview.status === 'SCHEDULED' || interview.status === 'IN_PROGRESS')) {
        await tx.interviewParticipant.update({ where: { interviewId_userId: { interviewId, userId } }, data: { joinedAt: now } });
      }
      announcePresence(emit, op === 'add' ? 'PEER_JOINED' : 'PEER_LEFT', interviewId, userId, peer.userId);
    });
  }

  async function cancelInterview(
    tx: Tx,
    emit: Emitter,
    interview: { id: string; slotId: string; slot: { endsAt: Date } },
    opts: { reason: 'no-show' | 'not-started'; absent: string[]; present: string[]; now: Date },
  ) {
    const { id, slotId } = interview;
    const { absent, present, now } = opts;
    await tx.interview.update({ where: { id }, data: { status: 'CANCELLED', cancelledAt: now, cancelReason: opts.reason } });
    // Unique bookingId: the bookings are free to be matched again.
    await tx.interviewParticipant.updateMany({ where: { interviewId: id }, data: { bookingId: null } });
    if (opts.reason === 'no-show' && absent.length) {
      await tx.interviewParticipant.updateMany({ where: { interviewId: id, userId: { in: absent } }, data: { noShow: true } });
    }
    // Whoever showed up waits again (keeping their place) while the slot lasts; the rest of the bookings are over.
    const requeue = opts.reason === 'no-show' && interview.slot.endsAt > now ? present : [];
    if (requeue.length) {
      const { count } = await tx.booking.updateMany({
        where: { interviewId: id, userId: { in: requeue }, status: 'MATCHED' },
        data: { status: 'WAITING', interviewId: null },
      });
      if (count) emit.room(slotId, 'JOIN_ROOM');
    }
    await tx.booking.updateMany({
      where: { interviewId: id, userId: { notIn: requeue }, status: 'MATCHED' },
      data: { status: 'EXPIRED' },
    });
    const reasonFor = (userId: string) =>
      opts.reason === 'not-started'
        ? 'The interview was never started and its time is over.'
        : absent.includes(userId)
          ? 'You did not show up in time.'
          : requeue.includes(userId)
            ? 'Your peer did not show up; you are back in the waiting room.'
            : 'Your peer did not show up.';
    for (const userId of [...present, ...absent]) {
      emit.user({ userId, type: 'MATCH_CANCELLED', interviewId: id, payload: { slotId, reason: reasonFor(userId), byUserId: null } });
    }
    emit.session({ type: 'MATCH_CANCELLED', interviewId: id, actorId: null, payload: { slotId, reason: opts.reason, noShowUserIds: opts.reason === 'no-show' ? absent : [] } });
  }

  // Session subscriptions closing (PEER_LEFT being written), so a shutdown can wait for them.
  const leaving = new Set<Promise<void>>();
  let closed = false;

  const service = {
    async startInterview(viewer: Viewer, interviewId: string, now = new Date()) {
      return events.transaction(async (tx, emit) => {
        const { interview, me, peer } = await forParticipant(tx, viewer, interviewId);
        const t = transition(interview.status, 'start');
        if (!t.ok) throw conflict(t.reason);
        if (me.joinedAt === null) {
          // Calling start is showing up, like subscribing to the session.
          await tx.interviewParticipant.update({ where: { interviewId_userId: { interviewId, userId: me.userId } }, data: { joinedAt: now } });
          announcePresence(emit, 'PEER_JOINED', interviewId, me.userId, peer.userId);
        }
        if (t.changed) {
          await tx.interview.update({ where: { id: interviewId }, data: { status: t.next, startedAt: now } });
          announceToBoth(emit, 'SESSION_STARTED', interviewId, [me.userId, peer.userId], viewer.id, { startedAt: now.toISOString() });
        }
        return tx.interview.findUniqueOrThrow({ where: { id: interviewId } });
      });
    },

    async endInterview(viewer: Viewer, interviewId: string, now = new Date()) {
      return events.transaction(async (tx, emit) => {
        const { interview, me, peer } = await forParticipant(tx, viewer, interviewId);
        const t = transition(interview.status, 'end');
        if (!t.ok) throw conflict(t.reason);
        await tx.interview.update({ where: { id: interviewId }, data: { status: t.next, endedAt: now } });
        announceToBoth(emit, 'SESSION_ENDED', interviewId, [me.userId, peer.userId], viewer.id, {
          endedAt: now.toISOString(),
          reason: 'ended-by-participant',
        });
        return tx.interview.findUniqueOrThrow({ where: { id: interviewId } });
      });
    },

    async swapRoles(viewer: Viewer, interviewId: string) {
      return events.transaction(async (tx, emit) => {
        const { interview, me, peer } = await forParticipant(tx, viewer, interviewId);
        const t = transition(interview.status, 'swapRoles');
        if (!t.ok) throw conflict(t.reason);
        const roles = [me, peer].map((p) => ({ userId: p.userId, role: otherRole(p.role) }));
        for (const r of roles) {
          await tx.interviewParticipant.update({ where: { interviewId_userId: { interviewId, userId: r.userId } }, data: { role: r.role } });
        }
        announceToBoth(emit, 'ROLES_SWAPPED', interviewId, [me.userId, peer.userId], viewer.id, { roles });
        return tx.interview.findUniqueOrThrow({ where: { id: interviewId } });
      });
    },

    /**
     * The session's live events for a participant. Subscribing is showing up:
     * the first watching subscription of the user (across instances) sets
     * their joinedAt and tells the peer PEER_JOINED; the last one to close
     * tells the peer PEER_LEFT. The viewer's own arrivals are not echoed back.
     */
    async watchSession(viewer: Viewer, interviewId: string): Promise<AsyncIterableIterator<SessionEventMessage>> {
      const ps = await db.interviewParticipant.findMany({ where: { interviewId }, select: { userId: true } });
      if (!ps.some((p) => p.userId === viewer.id)) throw denied(viewer, ps.length > 0);
      const source = await events.sessionStream(interviewId);
      const member = presence.member(randomUUID());
      try {
        await watchChanged(interviewId, viewer.id, member, 'add');
      } catch (err) {
        await source.return?.();
        await presence.remove(watchKey(interviewId, viewer.id), member).catch(() => 0);
        throw err;
      }
      const own = new Set<EventType>(['PEER_JOINED', 'PEER_LEFT']);
      let left = false;
      const leave = async () => {
        if (left) return;
        left = true;
        // Once the service is closed (shutdown), the database may be gone; presence.close() drops the member.
        if (closed) return;
        const done = watchChanged(interviewId, viewer.id, member, 'remove').catch((err: unknown) =>
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

    /** Live watching subscriptions of one participant, across instances. */
    watchers(interviewId: string, userId: string) {
      return presence.count(watchKey(interviewId, userId));
    },

    /**
     * The scheduled run: SCHEDULED interviews past their no-show deadline with
     * someone absent are cancelled; IN_PROGRESS ones past slot end + grace are
     * ended; SCHEDULED ones where both showed up but nobody started are
     * cancelled at that same time. Each interview is settled in its own
     * transaction under its locks, so two instances running at once do each
     * change once.
     */
    async runTimeouts(now = new Date()): Promise<Record<TimeoutOutcome, number>> {
      const windows = await maintenance.recentWindows(now);
      const counts: Record<TimeoutOutcome, number> = { 'no-show': 0, 'time-limit': 0, 'not-started': 0 };
      // A coarse filter only (candidates, not verdicts): settle() decides with the domain's deadlines.
      // Pages by id, so candidates not yet due never crowd out the ones that are.
      let after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        const page = await db.$queryRaw<{ id: string }[]>`
          SELECT i.id FROM "Interview" i JOIN "Slot" s ON s.id = i."slotId"
          WHERE i.id > ${after}::uuid
            AND ((i.status = 'SCHEDULED' AND s."startsAt" <= ${now} AND i."matchedAt" <= ${now})
              OR (i.status = 'IN_PROGRESS' AND s."endsAt" <= ${now}))
          ORDER BY i.id
          LIMIT ${TIMEOUT_BATCH}`;
        for (const { id } of page) {
          try {
            const outcome = await service.settle(id, now, windows);
            if (outcome) counts[outcome] += 1;
          } catch (err) {
            // One interview's failure must not hold up the others; the next run retries it.
            log.error({ err, interviewId: id }, 'interview timeout failed');
          }
        }
        if (page.length < TIMEOUT_BATCH) return counts;
        after = page[page.length - 1]!.id;
      }
    },

    /**
     * Applies the no-show and time-limit rules to one interview at `now`; returns what it did.
     * Time spent in maintenance `windows` does not count towards either deadline.
     */
    async settle(interviewId: string, now = new Date(), windows: Window[] = []): Promise<TimeoutOutcome | null> {
      const head = await db.interview.findUnique({ where: { id: interviewId }, select: { slotId: true } });
      if (!head) return null;
      return events.transaction(async (tx, emit) => {
        // A participant who showed up may go back to WAITING: a room change, so the slot is taken FOR SHARE first.
        await lockSlot(tx, head.slotId, 'SHARE');
        await tx.$queryRaw`SELECT id FROM "Booking" WHERE "interviewId" = ${interviewId}::uuid ORDER BY id FOR UPDATE`;
        await lockInterview(tx, interviewId);
        const interview = await tx.interview.findUniqueOrThrow({ where: { id: interviewId }, include: { slot: true, participants: true } });
        const endsAt = autoEndAt({ slotEndsAt: interview.slot.endsAt, graceMinutes: config.sessionGraceMinutes });
        const userIds = interview.participants.map((p) => p.userId);

        const sinceStart = clockExcludingMaintenance(windows, interview.startedAt ?? interview.slot.startsAt, now);
        if (interview.status === 'IN_PROGRESS') {
          if (sinceStart < endsAt) return null;
          const t = transition(interview.status, 'end');
          if (!t.ok) return null;
          await tx.interview.update({ where: { id: interviewId }, data: { status: t.next, endedAt: now } });
          announceToBoth(emit, 'SESSION_ENDED', interviewId, userIds, null, { endedAt: now.toISOString(), reason: 'time-limit' });
          return 'time-limit';
        }

        if (!transition(interview.status, 'cancel').ok) return null;
        const outcome = noShowOutcome({
          status: interview.status,
          slotStartsAt: interview.slot.startsAt,
          matchedAt: interview.matchedAt,
          noShowMinutes: config.noShowMinutes,
          participants: interview.participants,
          now: clockExcludingMaintenance(windows, new Date(Math.max(interview.slot.startsAt.getTime(), interview.matchedAt.getTime())), now),
        });
        if (outcome.cancel) {
          await cancelInterview(tx, emit, interview, { reason: 'no-show', absent: outcome.absent, present: outcome.present, now });
          return 'no-show';
        }
        if (sinceStart >= endsAt) {
          await cancelInterview(tx, emit, interview, { reason: 'not-started', absent: [], present: userIds, now });
          return 'not-started';
        }
        return null;
      });
    },

    /** Video credentials for a participant of an interview not yet over; null without ZEGO settings. */
    videoFor(
      viewer: Viewer | null,
      interview: { id: string; status: string; slot: { endsAt: Date }; participants: { userId: string }[] },
      now = new Date(),
    ): VideoCredentials | null {
      const zego = config.zego;
      if (!zego || !viewer || !interview.participants.some((p) => p.userId === viewer.id)) return null;
      if (interview.status !== 'SCHEDULED' && interview.status !== 'IN_PROGRESS') return null;
      const until = autoEndAt({ slotEndsAt: interview.slot.endsAt, graceMinutes: config.sessionGraceMinutes });
      // Whole seconds, so the token expires exactly at slot end + grace (slots start and end on whole minutes).
      const effectiveTimeInSeconds = Math.floor(until.getTime() / 1000) - Math.floor(now.getTime() / 1000);
      if (effectiveTimeInSeconds <= 0) return null;
      const roomId = videoRoomId(interview.id);
      const token = generateToken04({ appId: zego.appId, userId: viewer.id, secret: zego.serverSecret, effectiveTimeInSeconds, roomId, now });
      return { provider: VIDEO_PROVIDER, appId: zego.appId, roomId, token, expiresAt: token04ExpiresAt({ now, effectiveTimeInSeconds }) };
    },

    async submitFeedback(viewer: Viewer, input: FeedbackInput & { interviewId: string }): Promise<Feedback> {
      const values = normalizeFeedback(input);
      const { interviewId } = input;
      return events.transaction(async (tx, emit) => {
        const { interview, me, peer } = await forParticipant(tx, viewer, interviewId);
        const allowed = canGiveFeedback(interview.status);
        if (!allowed.ok) throw conflict(allowed.reason);
        const given = await tx.feedback.findUnique({ where: { interviewId_authorId: { interviewId, authorId: me.userId } }, select: { id: true } });
        if (given) throw conflict('You have already given feedback for this interview.', { feedbackId: given.id });
        const feedback = await tx.feedback.create({ data: { interviewId, authorId: me.userId, subjectId: peer.userId, ...values } });
        const payload = { feedbackId: feedback.id, fromUserId: me.userId };
        emit.user({ userId: peer.userId, type: 'FEEDBACK_RECEIVED', interviewId, payload });
        emit.session({ type: 'FEEDBACK_RECEIVED', interviewId, actorId: me.userId, payload });
        return feedback;
      });
    },

    /** The feedback of one interview the viewer may see (given: always; received: per the reveal rule; admins: all). */
    feedbackFor(viewer: Viewer | null, interview: { endedAt: Date | null; feedback: Feedback[] }, now = new Date()): Feedback[] {
      if (!viewer) return [];
      const ordered = [...interview.feedback].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
      return visibleFeedback({ id: viewer.id, admin: viewer.role === 'ADMIN' }, ordered, interview.endedAt, now);
    },

    async stats(viewer: Viewer, now = new Date()): Promise<InterviewStats> {
      const [completed, received, noShows] = await Promise.all([
        db.interview.groupBy({
          by: ['type'],
          where: { status: 'COMPLETED', participants: { some: { userId: viewer.id } } },
          _count: { _all: true },
        }),
        db.feedback.findMany({
          where: { subjectId: viewer.id },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          include: { interview: { select: { endedAt: true, feedback: { select: { authorId: true } } } } },
        }),
        db.interviewParticipant.count({ where: { userId: viewer.id, noShow: true } }),
      ]);
      const me = { id: viewer.id, admin: viewer.role === 'ADMIN' };
      const visible = received.filter((f) =>
        canSeeFeedback({
          viewer: me,
          feedback: f,
          authorsInInterview: f.interview.feedback.map((a) => a.authorId),
          interviewEndedAt: f.interview.endedAt,
          now,
        }),
      );
      const completedByType = INTERVIEW_TYPES.map((type) => ({ type, count: completed.find((c) => c.type === type)?._count._all ?? 0 }));
      return {
        completed: completedByType.reduce((n, c) => n + c.count, 0),
        completedByType,
        feedbackReceived: visible.length,
        averageRatings: averageRatings(visible),
        recentAverageRatings: averageRatings(visible.slice(0, 5)),
        noShows,
      };
    },
  };

  const jobs: JobDefinition[] = [{ name: 'interview-timeouts', every: '30 seconds', run: () => service.runTimeouts() }];
  return {
    ...service,
    jobs,
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

export type Interviews = ReturnType<typeof createInterviews>;
