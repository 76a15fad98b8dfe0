// SLOT_REMINDER: REMINDER_MINUTES before a booked slot starts, each booked
// user gets the event (stored) and, if they want it, an email.
//
// Exactly once per booking: a run claims due bookings with FOR UPDATE SKIP
// LOCKED and marks them (Booking.remindedAt) in the transaction that stores
// the event and queues the email, so however many instances run it, and
// whenever they restart, a booking is reminded in one committed transaction.
import type { Config } from '../config.js';
import { slotReminderEmail } from '../domain/emails.js';
import type { Events } from './events.js';
import { queueEmail, type Notifications } from './notifications.js';

const BATCH = 200;

interface DueRow {
  bookingId: string;
  userId: string;
  slotId: string;
  startsAt: Date;
  endsAt: Date;
  type: 'BEHAVIORAL' | 'TECHNICAL';
  name: string;
  email: string;
  timezone: string;
  emailReminders: boolean;
}

export function createReminders({
  events,
  config,
  notifications,
}: {
  events: Events;
  config: Config;
  notifications: Notifications;
}) {
  return {
    /** Reminds every active booking whose slot starts within REMINDER_MINUTES of `now` and has not started; returns how many. */
    async sendDue(now = new Date()): Promise<number> {
      const horizon = new Date(now.getTime() + config.reminderMinutes * 60_000);
      let total = 0;
      for (;;) {
        const sent = await events.transaction(async (tx, emit) => {
          const rows = await tx.$queryRaw<DueRow[]>`
            WITH due AS (
              SELECT b.id FROM "Booking" b JOIN "Slot" s ON s.id = b."slotId"
              WHERE b."remindedAt" IS NULL AND b.status IN ('BOOKED', 'WAITING', 'MATCHED')
                AND s."startsAt" > ${now} AND s."startsAt" <= ${horizon} AND NOT s.instant
              ORDER BY s."startsAt", b.id LIMIT ${BATCH}
              FOR UPDATE OF b SKIP LOCKED)
            UPDATE "Booking" b SET "remindedAt" = ${now} FROM due, "Slot" s, "User" u
            WHERE b.id = due.id AND s.id = b."slotId" AND u.id = b."userId"
            RETURNING b.id AS "bookingId", b."userId", s.id AS "slotId", s."startsAt", s."endsAt", s.type::text AS type,
              u.name, u.email, u.timezone, u."emailReminders"`;
          for (const r of rows) {
            const minutesBefore = Math.max(1, Math.round((r.startsAt.getTime() - now.getTime()) / 60_000));
            emit.user({
              userId: r.userId,
              type: 'SLOT_REMINDER',
              payload: {
                slotId: r.slotId,
                bookingId: r.bookingId,
                startsAt: r.startsAt.toISOString(),
                endsAt: r.endsAt.toISOString(),
                type: r.type,
                minutesBefore,
              },
            });
            if (!r.emailReminders) continue;
            const unsubscribe = notifications.linkFor(r.userId, 'reminders');
            const content = slotReminderEmail({
              to: r,
              slot: r,
              minutesBefore,
              appUrl: config.appUrl,
              unsubscribeLink: unsubscribe,
            });
            await queueEmail(tx, r.email, content, unsubscribe);
          }
          return rows.length;
        });
        total += sent;
        if (sent < BATCH) return total;
      }
    },
  };
}

export type Reminders = ReturnType<typeof createReminders>;
