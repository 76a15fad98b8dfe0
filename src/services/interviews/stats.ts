// The viewer's progress: completed interviews, no-shows, and ratings over the
// received feedback they may already see.
import { averageRatings, canSeeFeedback, type RatingAverages } from '../../domain/feedback.js';
import { InterviewType } from '../../generated/prisma/enums.js';
import { isAdmin } from '../../domain/interview-access.js';
import type { Db } from '../../infra/db.js';
import type { Viewer } from '../accounts.js';

export interface InterviewStats {
  completed: number;
  completedByType: { type: InterviewType; count: number }[];
  feedbackReceived: number;
  averageRatings: RatingAverages;
  recentAverageRatings: RatingAverages;
  noShows: number;
}

export function createStats({ db }: { db: Db }) {
  return {
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
      const me = { id: viewer.id, admin: isAdmin(viewer) };
      const visible = received.filter((f) =>
        canSeeFeedback({
          viewer: me,
          feedback: f,
          authorsInInterview: f.interview.feedback.map((a) => a.authorId),
          interviewEndedAt: f.interview.endedAt,
          now,
        }),
      );
      const completedByType = Object.values(InterviewType).map((type) => ({
        type,
        count: completed.find((c) => c.type === type)?._count._all ?? 0,
      }));
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
}
