// Reaching people who are not connected: emails for MATCHED and
// INSTANT_REQUEST_RECEIVED while the user has no open socket on any instance,
// notification preferences, and one-click unsubscribe.
//
// Offline notices are queued in EmailOutbox inside the transaction that
// stores the event (events.beforeStore), so the event and its email commit
// together or not at all; the send-emails job delivers them.
import type { Config } from '../config.js';
import { instantRequestEmail, matchedEmail, type EmailContent } from '../domain/emails.js';
import { badInput } from '../domain/errors.js';
import type { EventType, UserEventInput } from '../domain/events.js';
import {
  unsubscribeLink,
  unsubscribeToken,
  verifyUnsubscribeToken,
  type UnsubscribeKind,
} from '../domain/unsubscribe.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Db, Planned, Tx } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Viewer } from './accounts.js';
import type { Events } from './events.js';
import type { UserPresence } from './presence.js';
import type { UserRows } from './user-rows.js';

export interface NotificationPreferences {
  emailReminders: boolean;
  emailWhenOffline: boolean;
}

const PREFERENCE_OF: Record<UnsubscribeKind, keyof NotificationPreferences> = {
  reminders: 'emailReminders',
  offline: 'emailWhenOffline',
};

/** Queues one email with its plain-text and HTML parts and the one-click unsubscribe headers (RFC 2369, RFC 8058). */
export async function queueEmail(tx: Tx, to: string, content: EmailContent, unsubscribe: string) {
  await tx.emailOutbox.create({
    data: {
      to,
      subject: content.subject,
      body: content.text,
      html: content.html,
      headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    },
  });
}

/** The user events that may queue an email to an offline user (the offlineNotices hook). */
export const OFFLINE_NOTICE_TYPES = ['MATCHED', 'INSTANT_REQUEST_RECEIVED'] as const satisfies readonly EventType[];
type OfflineNoticeType = (typeof OFFLINE_NOTICE_TYPES)[number];

export function createNotifications({
  db,
  events,
  config,
  userPresence,
  users,
  log,
}: {
  db: Db;
  events: Events;
  config: Config;
  userPresence: UserPresence;
  users: UserRows;
  log: Logger;
}) {
  const linkFor = (userId: string, kind: UnsubscribeKind) =>
    unsubscribeLink(config.appUrl, unsubscribeToken(config.jwtSecret, userId, kind));

  return {
    linkFor,

    /**
     * A page of the viewer's stored events, newest first. Forward (`first`, older than `after`) or
     * backward (`last`, the ones just newer than `before`); the cursor is the event id.
     */
    async page(
      viewer: Viewer,
      args: { first?: number | null; after: bigint | null; last?: number | null; before: bigint | null },
    ) {
      const backward = args.last != null;
      const size = (backward ? args.last : args.first) ?? 20;
      // Backward pages read up from `before`, then turn round to keep newest first.
      const rows = backward
        ? await events.storedAfter(viewer.id, args.before, size + 1)
        : await events.stored(viewer.id, args.after, size + 1);
      const more = rows.length > size;
      const page = rows.slice(0, size);
      if (backward) page.reverse();
      return {
        edges: page.map((node) => ({ cursor: node.seq, node })),
        pageInfo: {
          hasNextPage: backward ? args.before !== null : more,
          hasPreviousPage: backward ? more : args.after !== null,
          startCursor: page[0]?.seq ?? null,
          endCursor: page.at(-1)?.seq ?? null,
        },
      };
    },

    async preferences(userId: string): Promise<NotificationPreferences> {
      return db.user.findUniqueOrThrow({
        where: { id: userId },
        select: { emailReminders: true, emailWhenOffline: true },
      });
    },

    async updatePreferences(
      viewer: Viewer,
      input: Partial<Record<keyof NotificationPreferences, boolean | null>>,
      query: Planned<Prisma.UserInclude, Prisma.UserSelect> = {},
    ) {
      const data: Partial<NotificationPreferences> = {};
      for (const key of ['emailReminders', 'emailWhenOffline'] as const) {
        if (input[key] === null) throw badInput(`input.${key}`, 'must be true or false when given.');
        if (input[key] !== undefined) data[key] = input[key];
      }
      const user = await db.user.update({ ...query, where: { id: viewer.id }, data });
      await users.changed([viewer.id]);
      return user;
    },

    /** Turns off what a signed unsubscribe link names; no sign-in. Null when the token is not one of ours. */
    async unsubscribe(token: string): Promise<{ kind: UnsubscribeKind; preferences: NotificationPreferences } | null> {
      const claim = verifyUnsubscribeToken(config.jwtSecret, token);
      if (!claim) return null;
      const updated = await db.user.updateManyAndReturn({
        where: { id: claim.userId },
        data: { [PREFERENCE_OF[claim.kind]]: false },
        select: { emailReminders: true, emailWhenOffline: true },
      });
      await users.changed([claim.userId]);
      return updated[0] ? { kind: claim.kind, preferences: updated[0] } : null;
    },

    /**
     * events.beforeStore hook: queues an email for each MATCHED or INSTANT_REQUEST_RECEIVED of a user with
     * no open socket anywhere who wants such emails. Presence unreadable (Redis down) sends none rather
     * than fail the change the event reports.
     */
    async offlineNotices(tx: Tx, stored: UserEventInput[]) {
      const notable = stored.filter((e): e is Extract<UserEventInput, { type: OfflineNoticeType }> =>
        (OFFLINE_NOTICE_TYPES as readonly EventType[]).includes(e.type),
      );
      if (notable.length === 0) return;
      const ids = [...new Set(notable.map((e) => e.userId))];
      let online: boolean[];
      try {
        online = await userPresence.onlineMany(ids);
      } catch (err) {
        log.warn({ err, users: ids.length }, 'presence unreadable: offline notices not sent');
        return;
      }
      const offline = new Set(ids.filter((_, i) => !online[i]));
      const due = notable.filter((e) => offline.has(e.userId));
      if (due.length === 0) return;
      const others = due.map((e) => (e.type === 'MATCHED' ? e.payload.peerId : e.payload.fromUserId));
      const users = new Map(
        (
          await tx.user.findMany({
            where: { id: { in: [...offline, ...others] } },
            select: { id: true, name: true, email: true, timezone: true, emailWhenOffline: true },
          })
        ).map((u) => [u.id, u]),
      );
      const slotIds = due.flatMap((e) => (e.type === 'MATCHED' ? [e.payload.slotId] : []));
      const slots = new Map(
        (
          await tx.slot.findMany({ where: { id: { in: slotIds } }, select: { id: true, startsAt: true, type: true } })
        ).map((s) => [s.id, s]),
      );
      for (const e of due) {
        const to = users.get(e.userId);
        if (!to?.emailWhenOffline) continue;
        const unsubscribe = linkFor(to.id, 'offline');
        if (e.type === 'MATCHED') {
          const slot = slots.get(e.payload.slotId);
          if (!slot) continue;
          const content = matchedEmail({
            to,
            peerName: users.get(e.payload.peerId)?.name ?? 'a peer',
            slot,
            interviewUrl: `${config.appUrl}/interviews/${e.interviewId}`,
            unsubscribeLink: unsubscribe,
          });
          await queueEmail(tx, to.email, content, unsubscribe);
        } else {
          const content = instantRequestEmail({
            to,
            fromName: users.get(e.payload.fromUserId)?.name ?? 'A peer',
            type: e.payload.type,
            expiresAt: new Date(e.payload.expiresAt),
            appUrl: config.appUrl,
            unsubscribeLink: unsubscribe,
          });
          await queueEmail(tx, to.email, content, unsubscribe);
        }
      }
    },
  };
}

export type Notifications = ReturnType<typeof createNotifications>;
