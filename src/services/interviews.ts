// The interview session, one concern per file under services/interviews/:
// lifecycle (start, end, swap roles), watchers (showing up, PEER_JOINED/LEFT),
// timeouts (no-shows, auto-end), video, feedback and stats. This file puts
// them together as the one `interviews` service resolvers and jobs call.
import type { Config } from '../config.js';
import { notFound } from '../domain/errors.js';
import { isAdmin } from '../domain/interview-access.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Presence } from '../infra/presence.js';
import type { Viewer } from './accounts.js';
import type { Events } from './events.js';
import { createFeedback } from './interviews/feedback.js';
import { createLifecycle, type InterviewQuery } from './interviews/lifecycle.js';
import { createStats } from './interviews/stats.js';
import { createTimeouts } from './interviews/timeouts.js';
import { createVideo } from './interviews/video.js';
import { createWatchers } from './interviews/watchers.js';

export type { InterviewQuery } from './interviews/lifecycle.js';
export type { InterviewStats } from './interviews/stats.js';
export type { TimeoutOutcome } from './interviews/timeouts.js';
export { VIDEO_PROVIDER, videoRoomId, type VideoCredentials } from './interviews/video.js';
export { watchKey } from './interviews/participants.js';

export function createInterviews(deps: { db: Db; events: Events; config: Config; presence: Presence; log: Logger }) {
  const { db } = deps;
  return {
    /** An interview the viewer may read (domain/interview-access.ts: participants and admins); NOT_FOUND otherwise. */
    async visible(viewer: Viewer, interviewId: string, query: InterviewQuery = {}) {
      const interview = await db.interview.findFirst({
        ...query,
        where: { id: interviewId, ...(isAdmin(viewer) ? {} : { participants: { some: { userId: viewer.id } } }) },
      });
      if (!interview) throw notFound('Interview');
      return interview;
    },
    ...createLifecycle(deps),
    ...createWatchers(deps),
    ...createTimeouts(deps),
    ...createVideo(deps),
    ...createFeedback(deps),
    ...createStats(deps),
  };
}

export type Interviews = ReturnType<typeof createInterviews>;
