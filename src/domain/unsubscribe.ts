// One-click unsubscribe links: a token naming the user and what to stop,
// signed with HMAC-SHA-256, so it needs no sign-in and no stored row.
// It never expires (an old email's link must keep working) and can only ever
// turn an email off, so a leaked one can do no more than that.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a link stops: the reminder emails, or the emails sent while offline. */
export const UNSUBSCRIBE_KINDS = ['reminders', 'offline'] as const;
export type UnsubscribeKind = (typeof UNSUBSCRIBE_KINDS)[number];

const CONTEXT = 'mockmate:unsubscribe:v1';

/** Its own key, derived from the app secret: an unsubscribe signature can never pass for another token's. */
const keyFor = (secret: string) => createHmac('sha256', secret).update(CONTEXT).digest();

const sign = (secret: string, body: string) => createHmac('sha256', keyFor(secret)).update(body).digest('base64url');

export function unsubscribeToken(secret: string, userId: string, kind: UnsubscribeKind): string {
  const body = Buffer.from(`${userId}:${kind}`).toString('base64url');
  return `${body}.${sign(secret, body)}`;
}

export function verifyUnsubscribeToken(
  secret: string,
  token: string,
): { userId: string; kind: UnsubscribeKind } | null {
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined || token.length > 300) return null;
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const [userId, kind] = Buffer.from(body, 'base64url').toString().split(':');
  if (!userId || !/^[0-9a-f-]{36}$/i.test(userId) || !UNSUBSCRIBE_KINDS.includes(kind as UnsubscribeKind)) return null;
  return { userId, kind: kind as UnsubscribeKind };
}

export const unsubscribeLink = (appUrl: string, token: string) =>
  `${appUrl}/unsubscribe?token=${encodeURIComponent(token)}`;
