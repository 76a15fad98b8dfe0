// Instant interviews: ask an available online peer, who accepts or rejects;
// unanswered requests expire.
import type { Config } from '../config.js';
import type { Db } from '../infra/db.js';
import type { RateLimiter } from '../infra/rate-limit.js';
import type { JobDefinition } from '../jobs/scheduler.js';
import type { Events } from './events.js';
import type { UserPresence } from './presence.js';

export function createInstantInterviews(_deps: { db: Db; events: Events; limiter: RateLimiter; presence: UserPresence; config: Config }) {
  const jobs: JobDefinition[] = [];
  return { jobs };
}

export type InstantInterviews = ReturnType<typeof createInstantInterviews>;
