// Pure rules for accounts and credentials: input limits, token formats,
// and hashing of the secrets we store. No database, no GraphQL.
import { isUuid } from './ids.js';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const NAME_MAX = 80;
export const REFRESH_TOKEN_TTL_DAYS = 30;
export const RESET_TOKEN_TTL_MINUTES = 30;
export const EMAIL_VERIFICATION_TTL_HOURS = 24;

/**
 * Windows of the sign-in limits (thresholds come from configuration). Failures count per
 * (account, address) and per address, so an attacker blocks only their own addresses; the
 * slower per-account ceiling stops guessing spread over many addresses, and spares the
 * addresses the account signed in from lately (KNOWN_ADDRESS), so its owner still gets in.
 */
export const LOGIN_WINDOWS = { accountAddressMs: 15 * 60_000, addressMs: 15 * 60_000, accountMs: 24 * 3_600_000 };
export const KNOWN_ADDRESS = { limit: 1, windowMs: 30 * 86_400_000 };
export const ACCOUNT_WRITES_WINDOW_MS = 60 * 60_000;
export const RESET_REQUEST_LIMIT = { limit: 5, windowMs: 60 * 60_000 };
export const VERIFICATION_REQUEST_LIMIT = { limit: 5, windowMs: 60 * 60_000 };

export type Role = 'USER' | 'ADMIN';

/** The one rule for roles: ADMIN_EMAILS grants ADMIN only to an address its owner has verified. */
export const roleFor = (email: string, emailVerified: boolean, adminEmails: ReadonlySet<string>): Role =>
  emailVerified && adminEmails.has(normalizeEmail(email)) ? 'ADMIN' : 'USER';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

// Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is
// what the reset email proves, not a regex.
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const isValidEmail = (email: string) => email.length <= 254 && EMAIL_RE.test(email);

/** SHA-256 is right for these: they are 256-bit random secrets, not passwords. */
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
export const randomSecret = () => randomBytes(32).toString('base64url');

/**
 * A refresh token names its session and generation: `<sessionId>.<generation>.<secret>`. The secret is
 * derived from the session's random seed, so the server can tell a token it really issued earlier (reuse:
 * it leaked) from one it never issued (a guess, which must not end anyone's session). `<sessionId>.<secret>`
 * is the format from before derivation.
 */
export const formatRefreshToken = (sessionId: string, generation: number, secret: string) =>
  `${sessionId}.${generation}.${secret}`;

export function parseRefreshToken(
  token: string,
): { sessionId: string; generation: number | null; secret: string } | null {
  const parts = token.split('.');
  const [sessionId, middle, last] = parts;
  if (!sessionId || !isUuid(sessionId)) return null;
  if (parts.length === 2 && middle) return { sessionId, generation: null, secret: middle };
  if (parts.length !== 3 || !middle || !last || !/^\d{1,9}$/.test(middle)) return null;
  return { sessionId, generation: Number(middle), secret: last };
}

/** The refresh secret of one generation of a session: keyed with the server secret, so the seed alone mints nothing. */
export const deriveRefreshSecret = (key: string, seed: string, generation: number) =>
  createHmac('sha256', key).update(`refresh:${seed}:${generation}`).digest('base64url');

export const sameSecret = (a: string, b: string) => {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
};

export const resetPasswordLink = (appUrl: string, token: string) =>
  `${appUrl}/reset-password?token=${encodeURIComponent(token)}`;

export const verifyEmailLink = (appUrl: string, token: string) =>
  `${appUrl}/verify-email?token=${encodeURIComponent(token)}`;
