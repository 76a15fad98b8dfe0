// The interview session: lifecycle (start, end, swap roles), showing up and
// no-shows, auto-end, video credentials, feedback, history and stats.
import type { Config } from '../config.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Presence } from '../infra/presence.js';
import type { JobDefinition } from '../jobs/scheduler.js';
import type { Events } from './events.js';

export function createInterviews(_deps: { db: Db; events: Events; config: Config; presence: Presence; log: Logger }) {
  const jobs: JobDefinition[] = [];
  return { jobs };
}

export type Interviews = ReturnType<typeof createInterviews>;
