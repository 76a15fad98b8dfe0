// Development only: the emails queued for a user, so reset and verification
// links can be followed where no SMTP server is configured. Off unless
// NODE_ENV=development or DEV_OUTBOX=true; never meant for production.
import type { Config } from '../config.js';
import { normalizeEmail } from '../domain/account.js';
import { badInput, forbidden } from '../domain/errors.js';
import type { Db } from '../infra/db.js';
import type { Viewer } from './accounts.js';

export function createDevOutbox({ db, config }: { db: Db; config: Config }) {
  return {
    /** The newest emails to the viewer, or (signed out, e.g. after "forgot password") to `email`. */
    async latest(query: object, viewer: Viewer | null, email: string | null | undefined, first: number) {
      if (!config.devOutbox)
        throw forbidden('The development outbox is off; it is on with NODE_ENV=development or DEV_OUTBOX=true.');
      if (first < 1 || first > 20) throw badInput('first', 'must be between 1 and 20.');
      let to = email ? normalizeEmail(email) : null;
      if (!to && viewer)
        to = (await db.user.findUniqueOrThrow({ where: { id: viewer.id }, select: { email: true } })).email;
      if (!to) throw badInput('email', 'is required when signed out.');
      return db.emailOutbox.findMany({ ...query, where: { to }, orderBy: { createdAt: 'desc' }, take: first });
    },
  };
}

export type DevOutbox = ReturnType<typeof createDevOutbox>;

/** The first link in an email's text, which is the one the email is about. */
export const firstLink = (body: string) => /https?:\/\/\S+/.exec(body)?.[0] ?? null;
