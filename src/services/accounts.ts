// Accounts and sessions: registration, sign-in, refresh-token rotation,
// logout and password reset. Resolvers call these; nothing here knows GraphQL.
import argon2 from 'argon2';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { PubSubEngine } from 'graphql-subscriptions';
import type { Config } from '../config.js';
import {
  LOGIN_FAILURE_LIMIT,
  REFRESH_TOKEN_TTL_DAYS,
  RESET_REQUEST_LIMIT,
  RESET_TOKEN_TTL_MINUTES,
  formatRefreshToken,
  hashSecret,
  normalizeEmail,
  parseRefreshToken,
  randomSecret,
  resetPasswordLink,
} from '../domain/account.js';
import { conflict, rateLimited, unauthenticated, badInput } from '../domain/errors.js';
import { channels, type SessionsRevokedMessage } from '../domain/events.js';
import type { Db, Sql, Tx } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { RateLimiter } from '../infra/rate-limit.js';
import { Prisma, type User } from '../generated/prisma/client.js';
import { createSessionCache, createVerifiedTokens, type VerifiedToken } from './session-cache.js';

// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const JWT_ISSUER = 'mockmate';
// Short, so a revocation announcement lost with Redis's connection costs at most this long.
const SESSION_CACHE = { ttlMs: 30_000, maxEntries: 50_000 };
const VERIFIED_TOKENS = { maxEntries: 50_000 };

export interface Viewer {
  id: string;
  sessionId: string;
  role: User['role'];
}

export interface AuthResult {
  token: string;
  refreshToken: string;
  user: User;
}

/** Why a presented access token was not accepted; null when none was presented. */
export type AuthFailure = 'invalid' | 'expired' | 'revoked';

export interface AccountDeps {
  db: Db;
  sql: Sql;
  /** PubSubHandle.listenEpoch: whether revocation announcements can be relied on right now. */
  listenEpoch: () => number | null;
  config: Config;
  limiter: RateLimiter;
  pubsub: PubSubEngine;
  log: Logger;
}

export function createAccounts({ db, sql, listenEpoch, config, limiter, pubsub, log }: AccountDeps) {
  // Imported once: given raw bytes, jose imports a CryptoKey on every sign and verify (half a verify's CPU).
  const jwtKey = crypto.subtle.importKey('raw', new TextEncoder().encode(config.jwtSecret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
  // Unknown emails are checked against this so they cost the same time as a wrong password.
  const dummyHash = argon2.hash(randomSecret(), ARGON2);

  const sessions = createSessionCache({ ...SESSION_CACHE, listenEpoch });
  const verifiedTokens = createVerifiedTokens(VERIFIED_TOKENS);
  // Until the subscription stands, announcements could be missed: the cache stays unused.
  let hearingRevocations = false;
  pubsub
    .subscribe(channels.sessionsRevoked, (msg: SessionsRevokedMessage) => sessions.revoke(msg.sessionIds), {})
    .then(() => (hearingRevocations = true))
    .catch((err: unknown) => log.warn({ err }, 'could not subscribe to session revocations; every request reads its session'));

  const roleFor = (email: string): User['role'] => (config.adminEmails.has(email) ? 'ADMIN' : 'USER');

  async function issueSession(tx: Tx | Db, user: User): Promise<AuthResult> {
    const secret = randomSecret();
    const session = await tx.session.create({
      data: {
        userId: user.id,
        refreshTokenHash: hashSecret(secret),
        expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_DAYS * 86_400_000),
      },
    });
    return { token: await signAccessToken(user.id, session.id), refreshToken: formatRefreshToken(session.id, secret), user };
  }

  async function signAccessToken(userId: string, sessionId: string): Promise<string> {
    return new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuer(JWT_ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${config.accessTokenTtlSeconds}s`)
      .sign(await jwtKey);
  }

  async function verifyAccessToken(token: string): Promise<VerifiedToken | { failure: AuthFailure }> {
    try {
      const { payload } = await jwtVerify(token, await jwtKey, { issuer: JWT_ISSUER, algorithms: ['HS256'] });
      const { sub, sid, exp } = payload;
      if (typeof sid !== 'string' || !sub || typeof exp !== 'number') return { failure: 'invalid' };
      const verified = { sub, sid, expiresAtMs: exp * 1000 };
      verifiedTokens.put(token, verified);
      return verified;
    } catch (err) {
      return { failure: err instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
    }
  }

  async function announceRevoked(sessionIds: string[]) {
    if (sessionIds.length === 0) return;
    // This instance forgets them now, not when its own announcement comes back.
    sessions.revoke(sessionIds);
    const message: SessionsRevokedMessage = { sessionIds };
    await pubsub.publish(channels.sessionsRevoked, message).catch((err: unknown) => {
      // The access tokens are already dead (checked per request); only open sockets linger.
      log.warn({ err }, 'could not announce revoked sessions');
    });
  }

  async function throttleLogin(email: string, ip: string) {
    const counts = await Promise.all([limiter.peek(`login:acct:${email}`), limiter.peek(`login:ip:${ip}`)]);
    const blocked = counts.find((c) => c.count >= LOGIN_FAILURE_LIMIT.limit);
    if (blocked) throw rateLimited('Too many failed sign-in attempts. Try again later.', blocked.resetMs);
  }

  return {
    async register(input: { email: string; password: string; name: string }): Promise<AuthResult> {
      const email = normalizeEmail(input.email);
      const passwordHash = await argon2.hash(input.password, ARGON2);
      try {
        return await db.$transaction(async (tx) => {
          const user = await tx.user.create({ data: { email, name: input.name.trim(), passwordHash, role: roleFor(email) } });
          return issueSession(tx, user);
        });
      } catch (err) {
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
          throw conflict('An account with this email already exists.', { field: 'email' });
        }
        throw err;
      }
    },

    async login(input: { email: string; password: string }, ip: string): Promise<AuthResult> {
      const email = normalizeEmail(input.email);
      await throttleLogin(email, ip);
      const user = await db.user.findUnique({ where: { email } });
      const ok = await argon2.verify(user?.passwordHash ?? (await dummyHash), input.password);
      if (!user || !ok) {
        await Promise.all([
          limiter.hit(`login:acct:${email}`, LOGIN_FAILURE_LIMIT.windowMs),
          limiter.hit(`login:ip:${ip}`, LOGIN_FAILURE_LIMIT.windowMs),
        ]);
        throw unauthenticated('Invalid email or password.');
      }
      await limiter.reset(`login:acct:${email}`);
      const role = roleFor(email);
      const current = role === user.role ? user : await db.user.update({ where: { id: user.id }, data: { role } });
      return issueSession(db, current);
    },

    async refreshSession(refreshToken: string): Promise<AuthResult> {
      const parsed = parseRefreshToken(refreshToken);
      if (!parsed) throw unauthenticated('Invalid refresh token.');
      const presented = hashSecret(parsed.secret);
      const secret = randomSecret();
      const outcome = await db.$transaction(async (tx) => {
        // Row lock: two refreshes with the same token cannot both rotate it.
        const rows = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM "Session" WHERE id = ${parsed.sessionId}::uuid FOR UPDATE`;
        if (rows.length === 0) return { kind: 'invalid' as const };
        const session = await tx.session.findUniqueOrThrow({ where: { id: parsed.sessionId }, include: { user: true } });
        if (session.revokedAt || session.expiresAt <= new Date()) return { kind: 'invalid' as const };
        if (session.refreshTokenHash !== presented) {
          // A rotated-away token came back: it leaked. End the whole session.
          await tx.session.update({ where: { id: session.id }, data: { revokedAt: new Date(), revokedReason: 'refresh-reuse' } });
          return { kind: 'reused' as const, sessionId: session.id };
        }
        await tx.session.update({
          where: { id: session.id },
          data: { refreshTokenHash: hashSecret(secret), lastUsedAt: new Date() },
        });
        return { kind: 'ok' as const, session };
      });
      if (outcome.kind === 'reused') {
        log.warn({ sessionId: outcome.sessionId }, 'refresh token reused; session revoked');
        await announceRevoked([outcome.sessionId]);
      }
      if (outcome.kind !== 'ok') throw unauthenticated('Invalid refresh token.');
      const { session } = outcome;
      return {
        token: await signAccessToken(session.userId, session.id),
        refreshToken: formatRefreshToken(session.id, secret),
        user: session.user,
      };
    },

    async logout(viewer: Viewer): Promise<boolean> {
      await db.session.updateMany({
        where: { id: viewer.sessionId, revokedAt: null },
        data: { revokedAt: new Date(), revokedReason: 'logout' },
      });
      await announceRevoked([viewer.sessionId]);
      return true;
    },

    async requestPasswordReset(rawEmail: string): Promise<boolean> {
      const email = normalizeEmail(rawEmail);
      const { count, resetMs } = await limiter.hit(`reset:${email}`, RESET_REQUEST_LIMIT.windowMs);
      if (count > RESET_REQUEST_LIMIT.limit) throw rateLimited('Too many password reset requests. Try again later.', resetMs);
      const user = await db.user.findUnique({ where: { email } });
      if (!user) return true; // Same answer either way: nobody learns who has an account.
      const token = randomSecret();
      await db.$transaction(async (tx) => {
        await tx.passwordResetToken.create({
          data: { userId: user.id, tokenHash: hashSecret(token), expiresAt: new Date(Date.now() + RESET_TOKEN_TTL_MINUTES * 60_000) },
        });
        await tx.emailOutbox.create({
          data: {
            to: user.email,
            subject: 'Reset your MockMate password',
            body: [
              `Hi ${user.name},`,
              '',
              `Someone asked to reset the password of your MockMate account. If it was you, open this link within ${RESET_TOKEN_TTL_MINUTES} minutes:`,
              '',
              resetPasswordLink(config.appUrl, token),
              '',
              'If it was not you, ignore this email; your password stays as it is.',
            ].join('\n'),
          },
        });
      });
      if (!config.smtpUrl) log.info('password reset email queued; SMTP_URL is not set, so it stays unsent in EmailOutbox');
      return true;
    },

    async resetPassword(token: string, newPassword: string): Promise<AuthResult> {
      const passwordHash = await argon2.hash(newPassword, ARGON2);
      const { result, revoked } = await db.$transaction(async (tx) => {
        // Marking it used in the same statement that checks it makes it single-use under concurrency.
        const claimed = await tx.passwordResetToken.updateManyAndReturn({
          where: { tokenHash: hashSecret(token), usedAt: null, expiresAt: { gt: new Date() } },
          data: { usedAt: new Date() },
        });
        const row = claimed[0];
        if (!row) throw badInput('token', 'This reset link is invalid or has expired.');
        const user = await tx.user.update({ where: { id: row.userId }, data: { passwordHash } });
        const revoked = await tx.session.updateManyAndReturn({
          where: { userId: user.id, revokedAt: null },
          data: { revokedAt: new Date(), revokedReason: 'password-reset' },
          select: { id: true },
        });
        return { result: await issueSession(tx, user), revoked: revoked.map((s) => s.id) };
      });
      await announceRevoked(revoked);
      return result;
    },

    /** A user's row in plain SQL: `me` reads it on every request. */
    async findUser(id: string): Promise<User | null> {
      const { rows } = await sql.query<Omit<User, 'eventSeq'> & { eventSeq: string }>('SELECT * FROM "User" WHERE id = $1', [id]);
      const row = rows[0];
      return row ? { ...row, eventSeq: BigInt(row.eventSeq) } : null;
    },

    /** Resolves an access token to its viewer; a revoked session fails at once, not at token expiry. */
    async authenticate(token: string): Promise<{ viewer: Viewer } | { failure: AuthFailure }> {
      const claims = verifiedTokens.get(token) ?? (await verifyAccessToken(token));
      if ('failure' in claims) return claims;
      const { sub, sid } = claims;
      const ticket = hearingRevocations ? sessions.ticket() : null;
      const cached = ticket ? sessions.get(sid) : null;
      if (cached) return cached.userId === sub ? { viewer: { id: sub, sessionId: sid, role: cached.role } } : { failure: 'invalid' };
      // Plain SQL: the per-request path, where Prisma's query compilation would cost more than the query.
      const { rows } = await sql.query<{ userId: string; revoked: boolean; role: User['role'] }>(
        `SELECT s."userId", s."revokedAt" IS NOT NULL AS revoked, u.role
           FROM "Session" s JOIN "User" u ON u.id = s."userId" WHERE s.id = $1`,
        [sid],
      );
      const session = rows[0];
      if (!session || session.userId !== sub) return { failure: 'invalid' };
      if (session.revoked) return { failure: 'revoked' };
      if (ticket) sessions.put(sid, session, ticket);
      return { viewer: { id: sub, sessionId: sid, role: session.role } };
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
