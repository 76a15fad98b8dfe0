// Who is online (an open socket on any instance) and who is available.
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Presence } from '../infra/presence.js';
import type { Events } from './events.js';

export function createUserPresence(_deps: { db: Db; events: Events; presence: Presence; log: Logger }) {
  return {
    /** A signed-in socket opened; `ok: false` means the user has too many and this one must close. */
    async socketOpened(_userId: string, _socketId: string): Promise<{ ok: true } | { ok: false; reason: string }> {
      return { ok: true };
    },
    async socketClosed(_userId: string, _socketId: string): Promise<void> {},
  };
}

export type UserPresence = ReturnType<typeof createUserPresence>;
