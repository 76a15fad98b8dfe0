// Feedback: one per participant and interview, revealed to its subject by the
// rule of domain/feedback.ts.
import { conflict } from '../../domain/errors.js';
import { normalizeFeedback, visibleFeedback, type FeedbackInput } from '../../domain/feedback.js';
import { isAdmin } from '../../domain/interview-access.js';
import { canGiveFeedback } from '../../domain/interview-state.js';
import type { Feedback } from '../../generated/prisma/client.js';
import type { Viewer } from '../accounts.js';
import type { Events } from '../events.js';
import { forParticipant } from './participants.js';

export function createFeedback({ events }: { events: Events }) {
  return {
    async submitFeedback(viewer: Viewer, input: FeedbackInput & { interviewId: string }): Promise<Feedback> {
      const values = normalizeFeedback(input);
      const { interviewId } = input;
      return events.transaction(async (tx, emit) => {
        const { interview, me, peer } = await forParticipant(tx, viewer, interviewId);
        const allowed = canGiveFeedback(interview.status);
        if (!allowed.ok) throw conflict(allowed.reason);
        const given = await tx.feedback.findUnique({
          where: { interviewId_authorId: { interviewId, authorId: me.userId } },
          select: { id: true },
        });
        if (given) throw conflict('You have already given feedback for this interview.', { feedbackId: given.id });
        const feedback = await tx.feedback.create({
          data: { interviewId, authorId: me.userId, subjectId: peer.userId, ...values },
        });
        const payload = { feedbackId: feedback.id, fromUserId: me.userId };
        emit.user({ userId: peer.userId, type: 'FEEDBACK_RECEIVED', interviewId, payload });
        emit.session({ type: 'FEEDBACK_RECEIVED', interviewId, actorId: me.userId, payload });
        return feedback;
      });
    },

    /** The feedback of one interview the viewer may see (given: always; received: per the reveal rule; admins: all). */
    feedbackFor(
      viewer: Viewer | null,
      interview: { endedAt: Date | null; feedback: Feedback[] },
      now = new Date(),
    ): Feedback[] {
      if (!viewer) return [];
      const ordered = [...interview.feedback].sort(
        (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id),
      );
      return visibleFeedback({ id: viewer.id, admin: isAdmin(viewer) }, ordered, interview.endedAt, now);
    },
  };
}
