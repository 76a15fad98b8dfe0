// Chat inside an interview: messages, edits, soft deletes, read receipts, typing.
import type { Config } from '../config.js';
import type { Db } from '../infra/db.js';
import type { RateLimiter } from '../infra/rate-limit.js';
import type { Events } from './events.js';

export function createChat(_deps: { db: Db; events: Events; limiter: RateLimiter; config: Config }) {
  return {};
}

export type Chat = ReturnType<typeof createChat>;
