// No-shows and the time limit: SCHEDULED interviews past their no-show
// deadline with someone absent are cancelled; IN_PROGRESS ones past slot end +
// grace are ended; SCHEDULED ones where both showed up but nobody started are
// cancelled at that same time. The interview-timeouts job runs this.
import type { Config } from '../../config.js';
import { clockExcludingMaintenance, type Window } from '../../domain/maintenance.js';
import { autoEndAt, noShowOutcome, transition } from '../../domain/interview-state.js';
import type { Db, Tx } from '../../infra/db.js';
import type { Logger } from '../../infra/logger.js';
import { lockSlot } from '../bookings.js';
import type { Emitter, Events } from '../events.js';
import { announceToBoth, lockInterview } from './participants.js';
import type { Maintenance } from '../maintenance.js';

/** Candidates read per query by a timeouts run. */
const TIMEOUT_BATCH = 200;

export type TimeoutOutcome = 'no-show' | 'time-limit' | 'not-started';

async function cancelInterview(
  tx: Tx,
  emit: Emitter,
  interview: { id: string; slotId: string; slot: { endsAt: Date } },
  opts: { reason: 'no-show' | 'not-started'; absent: string[]; present: string[]; now: Date },
) {
  const { id, slotId } = interview;
  const { absent, present, now } = opts;
  await tx.interview.update({
    where: { id },
    data: { status: 'CANCELLED', cancelledAt: now, cancelReason: opts.reason },
  });
  emit.peers();
  // Unique bookingId: the bookings are free to be matched again.
  await tx.interviewParticipant.updateMany({ where: { interviewId: id }, data: { bookingId: null } });
  if (opts.reason === 'no-show' && absent.length) {
    await tx.interviewParticipant.updateMany({
      where: { interviewId: id, userId: { in: absent } },
      data: { noShow: true },
    });
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
    emit.user({
      userId,
      type: 'MATCH_CANCELLED',
      interviewId: id,
      payload: { slotId, reason: reasonFor(userId), byUserId: null },
    });
  }
  emit.session({
    type: 'MATCH_CANCELLED',
    interviewId: id,
    actorId: null,
    payload: { slotId, reason: opts.reason, noShowUserIds: opts.reason === 'no-show' ? absent : [] },
  });
}

export function createTimeouts({
  db,
  events,
  config,
  log,
  maintenance,
}: {
  db: Db;
  events: Events;
  config: Config;
  log: Logger;
  /** Time in maintenance does not count towards the deadlines. */
  maintenance: Pick<Maintenance, 'recentWindows'>;
}) {
  const service = {
    /**
     * Settles every interview that may be due. Each interview is settled in
     * its own transaction under its locks, so two instances running at once do
     * each change once.
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
        const interview = await tx.interview.findUniqueOrThrow({
          where: { id: interviewId },
          include: { slot: true, participants: true },
        });
        const endsAt = autoEndAt({ slotEndsAt: interview.slot.endsAt, graceMinutes: config.sessionGraceMinutes });
        const userIds = interview.participants.map((p) => p.userId);

        const sinceStart = clockExcludingMaintenance(windows, interview.startedAt ?? interview.slot.startsAt, now);
        if (interview.status === 'IN_PROGRESS') {
          if (sinceStart < endsAt) return null;
          const t = transition(interview.status, 'end');
          if (!t.ok) return null;
          await tx.interview.update({ where: { id: interviewId }, data: { status: t.next, endedAt: now } });
          emit.peers();
          announceToBoth(emit, 'SESSION_ENDED', interviewId, userIds, null, {
            endedAt: now.toISOString(),
            reason: 'time-limit',
          });
          return 'time-limit';
        }

        if (!transition(interview.status, 'cancel').ok) return null;
        const outcome = noShowOutcome({
          status: interview.status,
          slotStartsAt: interview.slot.startsAt,
          matchedAt: interview.matchedAt,
          noShowMinutes: config.noShowMinutes,
          participants: interview.participants,
          now: clockExcludingMaintenance(
            windows,
            new Date(Math.max(interview.slot.startsAt.getTime(), interview.matchedAt.getTime())),
            now,
          ),
        });
        if (outcome.cancel) {
          await cancelInterview(tx, emit, interview, {
            reason: 'no-show',
            absent: outcome.absent,
            present: outcome.present,
            now,
          });
          return 'no-show';
        }
        if (sinceStart >= endsAt) {
          await cancelInterview(tx, emit, interview, { reason: 'not-started', absent: [], present: userIds, now });
          return 'not-started';
        }
        return null;
      });
    },
  };
  return service;
}
