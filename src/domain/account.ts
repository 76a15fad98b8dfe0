// Pure rules for accounts and credentials: input limits, token formats,
// and hashing of the secrets we store. No database, no GraphQL.
import { isUuid } from './ids.js';
import { createHash, randomBytes } from 'node:crypto';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const NAME_MAX = 80;
export const REFRESH_TOKEN_TTL_DAYS = 30;
export const RESET_TOKEN_TTL_MINUTES = 30;

export const LOGIN_FAILURE_LIMIT = { limit: 10, windowMs: 15 * 60_000 };
export const RESET_REQUEST_LIMIT = { limit: 5, windowMs: 60 * 60_000 };

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

// Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is
// what the reset email proves, not a regex.
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const isValidEmail = (email: string) => email.length <= 254 && EMAIL_RE.test(email);

/** SHA-256 is right for these: they are 256-bit random secrets, not passwords. */
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
export const randomSecret = () => randomBytes(32).toString('base64url');

/** A refresh token names its session so that a reused (already rotated) one can revoke that session. */
export const formatRefreshToken = (sessionId: string, secret: string) => `${sessionId}.${secret}`;

export function parseRefreshToken(token: string): { sessionId: string; secret: string } | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot === token.length - 1) return null;
  const sessionId = token.slice(0, dot);
  if (!isUuid(sessionId)) return null;
  return { sessionId, secret: token.slice(dot + 1) };
}

export const resetPasswordLink = (appUrl: string, token: string) =>
  `${appUrl}/reset-password?token=${encodeURIComponent(token)}`;
