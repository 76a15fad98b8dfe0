// Sends rows of EmailOutbox that have not been sent. Rows are claimed with
// SKIP LOCKED so two instances never send the same email.
import nodemailer from 'nodemailer';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';

const BATCH = 20;
const MAX_ATTEMPTS = 5;

export function createEmailSender(opts: { db: Db; smtpUrl: string; from: string; log: Logger }) {
  const transport = nodemailer.createTransport(opts.smtpUrl);
  return {
    /** One batch of due emails; a failed send is retried by later runs, up to MAX_ATTEMPTS. */
    async sendDue(): Promise<{ sent: number }> {
      let sent = 0;
      await opts.db.$transaction(
        async (tx) => {
          const rows = await tx.$queryRaw<
            {
              id: string;
              to: string;
              subject: string;
              body: string;
              html: string | null;
              headers: Record<string, string> | null;
            }[]
          >`
            SELECT id, "to", subject, body, html, headers FROM "EmailOutbox"
            WHERE "sentAt" IS NULL AND attempts < ${MAX_ATTEMPTS}
            ORDER BY "createdAt" LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`;
          for (const row of rows) {
            try {
              await transport.sendMail({
                from: opts.from,
                to: row.to,
                subject: row.subject,
                text: row.body,
                ...(row.html ? { html: row.html } : {}),
                ...(row.headers ? { headers: row.headers } : {}),
              });
              await tx.emailOutbox.update({
                where: { id: row.id },
                data: { sentAt: new Date(), attempts: { increment: 1 } },
              });
              sent += 1;
            } catch (err) {
              opts.log.warn({ err, emailId: row.id }, 'email send failed');
              await tx.emailOutbox.update({
                where: { id: row.id },
                data: { attempts: { increment: 1 }, lastError: String((err as Error).message).slice(0, 500) },
              });
            }
          }
        },
        { timeout: 60_000 },
      );
      return { sent };
    },
  };
}

export type EmailSender = ReturnType<typeof createEmailSender>;
