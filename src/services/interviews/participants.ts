// What every part of the interview session shares: the interview row lock,
// the participant check, and the announcements of a lifecycle change.
//
// Lock order, shared with bookings and matching so nothing deadlocks:
// slot → bookings (by id) → interview → users (storeUserEvents).
import { notAParticipant } from '../../domain/interview-access.js';
import type { EventPayload, UserEventInput } from '../../domain/events.js';
import type { InterviewParticipant } from '../../generated/prisma/client.js';
import type { Db, Tx } from '../../infra/db.js';
import type { Viewer } from '../accounts.js';
import type { Emitter } from '../events.js';

/** Presence key of one participant watching one interview session (any number of subscriptions, any instance). */
export const WATCH_KEYS = 'interview:';
export const watchKey = (interviewId: string, userId: string) => `${WATCH_KEYS}${interviewId}:${userId}`;

export const lockInterview = (tx: Tx, interviewId: string) =>
  tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Interview" WHERE id = ${interviewId}::uuid FOR UPDATE`;

/**
 * The ids of the interview's participants when the viewer is one of them;
 * otherwise the refusal of domain/interview-access.ts (`what`/`action` word it).
 */
export async function requireParticipant(
  db: Db | Tx,
  viewer: Viewer,
  interviewId: string,
  words: { what?: string; action?: string } = {},
): Promise<string[]> {
  const ps = await db.interviewParticipant.findMany({ where: { interviewId }, select: { userId: true } });
  return participantsFor(
    viewer,
    ps.map((p) => p.userId),
    words,
  );
}

/** `ids` (the interview's participants) when the viewer is one of them; else requireParticipant's refusal. */
export function participantsFor(viewer: Viewer, ids: string[], words: { what?: string; action?: string } = {}) {
  if (!ids.includes(viewer.id)) throw notAParticipant(viewer, ids.length > 0, words);
  return ids;
}

/** Checks the viewer takes part (without locking anything for strangers), then locks and loads the interview. */
export async function forParticipant(tx: Tx, viewer: Viewer, interviewId: string) {
  await requireParticipant(tx, viewer, interviewId);
  await lockInterview(tx, interviewId);
  const interview = await tx.interview.findUniqueOrThrow({
    where: { id: interviewId },
    include: { participants: true, slot: true },
  });
  return { interview, ...sides(interview.participants, viewer.id) };
}

export function sides(participants: InterviewParticipant[], userId: string) {
  const me = participants.find((p) => p.userId === userId);
  const peer = participants.find((p) => p.userId !== userId);
  if (!me || !peer) throw new Error(`interview participants incomplete for ${userId}`);
  return { me, peer };
}

/** Tells the peer (stored) and the session (live) that `userId` arrived or left. */
export function announcePresence(
  emit: Emitter,
  type: 'PEER_JOINED' | 'PEER_LEFT',
  interviewId: string,
  userId: string,
  peerId: string,
) {
  emit.user({ userId: peerId, type, interviewId, payload: { userId } });
  emit.session({ type, interviewId, actorId: userId, payload: { userId } });
}

/** A user event to both participants and one session event: what every lifecycle change announces. */
export function announceToBoth<T extends 'SESSION_STARTED' | 'SESSION_ENDED' | 'ROLES_SWAPPED'>(
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
