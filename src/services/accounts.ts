// Accounts and sessions: registration, email verification, sign-in, refresh-token rotation,
// logout and password reset. Resolvers call these; nothing here knows GraphQL.
import argon2 from 'argon2';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { PubSubEngine } from 'graphql-subscriptions';
import pLimit from 'p-limit';
import type { Config } from '../config.js';
import {
  ACCOUNT_WRITES_WINDOW_MS,
  EMAIL_VERIFICATION_TTL_HOURS,
  KNOWN_ADDRESS,
  LOGIN_WINDOWS,
  REFRESH_TOKEN_TTL_DAYS,
  RESET_REQUEST_LIMIT,
  RESET_TOKEN_TTL_MINUTES,
  VERIFICATION_REQUEST_LIMIT,
  deriveRefreshSecret,
  formatRefreshToken,
  hashSecret,
  normalizeEmail,
  parseRefreshToken,
  randomSecret,
  resetPasswordLink,
  roleFor,
  sameSecret,
  verifyEmailLink,
} from '../domain/account.js';
import { conflict, rateLimited, unauthenticated, badInput } from '../domain/errors.js';
import { channels, type SessionsRevokedMessage } from '../domain/events.js';
import { isUuid } from '../domain/ids.js';
import { coalescedById } from '../infra/coalesce.js';
import type { Db, Sql, Tx } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { ARGON2, type PasswordHasher } from '../infra/password-hasher.js';
import type { Limit, RateLimiter } from '../infra/rate-limit.js';
import { Prisma, type User } from '../generated/prisma/client.js';
import { createFollowedCache, createVerifiedTokens, type CachedSession, type VerifiedToken } from './session-cache.js';
import type { UserRows } from './user-rows.js';

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
  users: UserRows;
  /** PubSubHandle.listenEpoch: whether revocation announcements can be relied on right now. */
  listenEpoch: () => number | null;
  config: Config;
  limiter: RateLimiter;
  hasher: PasswordHasher;
  pubsub: PubSubEngine;
  log: Logger;
}

export function createAccounts({ db, sql, users, listenEpoch, config, limiter, hasher, pubsub, log }: AccountDeps) {
  // Imported once: given raw bytes, jose imports a CryptoKey on every sign and verify (half a verify's CPU).
  const jwtKey = crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(config.jwtSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  // Unknown emails are checked against this so they cost the same time as a wrong password.
  const dummyHash = argon2.hash(randomSecret(), ARGON2);

  // Revoked access tokens are already dead (checked per request); a missed announcement leaves only open sockets.
  const sessions = createFollowedCache<CachedSession, SessionsRevokedMessage>({
    ...SESSION_CACHE,
    listenEpoch,
    pubsub,
    channel: channels.sessionsRevoked,
    idsOf: (m) => m.sessionIds,
    message: (sessionIds) => ({ sessionIds }),
    what: 'session revocations',
    log,
  });
  const verifiedTokens = createVerifiedTokens(VERIFIED_TOKENS);

  const { authLimits } = config;
  const limits = {
    loginAccountAddress: limiter.rule('login-account-address', {
      limit: authLimits.loginPerAccountAddress,
      windowMs: LOGIN_WINDOWS.accountAddressMs,
    }),
    loginAddress: limiter.rule('login-address', {
      limit: authLimits.loginPerAddress,
      windowMs: LOGIN_WINDOWS.addressMs,
    }),
    loginAccount: limiter.rule('login-account', {
      limit: authLimits.loginPerAccount,
      windowMs: LOGIN_WINDOWS.accountMs,
    }),
    knownAddress: limiter.rule('login-known-address', KNOWN_ADDRESS),
    register: limiter.rule('register-address', {
      limit: authLimits.registerPerAddress,
      windowMs: ACCOUNT_WRITES_WINDOW_MS,
    }),
    resetPassword: limiter.rule('reset-password-address', {
      limit: authLimits.resetPasswordPerAddress,
      windowMs: ACCOUNT_WRITES_WINDOW_MS,
    }),
    resetRequest: limiter.rule('reset-request', RESET_REQUEST_LIMIT),
    verificationRequest: limiter.rule('verification-request', VERIFICATION_REQUEST_LIMIT),
  };

  async function spend(limit: Limit, key: string, message: string) {
    const spent = await limit.consume(key);
    if (!spent.ok) throw rateLimited(message, spent.retryAfterMs);
  }

  // Work done after the answer (password-reset emails), one at a time, awaited by close().
  const afterAnswer = pLimit(1);
  const pending = new Set<Promise<void>>();
  function later(what: string, work: () => Promise<void>) {
    const done = afterAnswer(work)
      .catch((err: unknown) => log.error({ err }, `${what} failed`))
      .finally(() => pending.delete(done));
    pending.add(done);
  }

  async function issueSession(tx: Tx | Db, user: User): Promise<AuthResult> {
    const seed = randomSecret();
    const secret = deriveRefreshSecret(config.jwtSecret, seed, 0);
    const session = await tx.session.create({
      data: {
        userId: user.id,
        refreshTokenHash: hashSecret(secret),
        refreshSeed: seed,
        expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_DAYS * 86_400_000),
      },
    });
    return {
      token: await signAccessToken(user.id, session.id),
      refreshToken: formatRefreshToken(session.id, 0, secret),
      user,
    };
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

  const announceRevoked = (sessionIds: string[]) => sessions.announce(sessionIds);

  type Reservation = [Limit, string][];

  /**
   * Takes one attempt from each sign-in limit that applies, atomically and before the password is
   * checked, so parallel guesses cannot all pass a check that counts only finished ones. If one
   * limit refuses, the others get their attempt back: a blocked guess costs nobody else anything.
   */
  async function reserveLogin(email: string, ip: string): Promise<Reservation> {
    const known = (await limits.knownAddress.used(`${email}|${ip}`)) > 0;
    const steps: Reservation = [
      [limits.loginAccountAddress, `${email}|${ip}`],
      [limits.loginAddress, ip],
      ...(known ? [] : [[limits.loginAccount, email] as [Limit, string]]),
    ];
    const taken: Reservation = [];
    for (const [limit, key] of steps) {
      const spent = await limit.consume(key);
      if (!spent.ok) {
        await refund(taken);
        throw rateLimited('Too many failed sign-in attempts. Try again later.', spent.retryAfterMs);
      }
      taken.push([limit, key]);
    }
    return taken;
  }

  const refund = (taken: Reservation) => Promise.all(taken.map(([limit, key]) => limit.refund(key)));

  /** Applies the role rule to a user whose row may predate a change of ADMIN_EMAILS or of verification. */
  async function withCurrentRole(tx: Tx | Db, user: User): Promise<User> {
    const role = roleFor(user.email, user.emailVerifiedAt !== null, config.adminEmails);
    return role === user.role ? user : tx.user.update({ where: { id: user.id }, data: { role } });
  }

  /** Replaces the user's outstanding verification token by a new one and emails its link. */
  async function queueVerification(tx: Tx, user: User) {
    const token = randomSecret();
    await tx.emailVerificationToken.deleteMany({ where: { userId: user.id } });
    await tx.emailVerificationToken.create({
      data: {
        userId: user.id,
        tokenHash: hashSecret(token),
        expiresAt: new Date(Date.now() + EMAIL_VERIFICATION_TTL_HOURS * 3_600_000),
      },
    });
    await queueEmail(tx, user, 'Confirm your MockMate email address', [
      `Please confirm that this address is yours by opening this link within ${EMAIL_VERIFICATION_TTL_HOURS} hours:`,
      verifyEmailLink(config.appUrl, token),
      'If you did not create a MockMate account, ignore this email.',
    ]);
  }

  /** Writes an email to the outbox (the send-emails job delivers it): a greeting, then the paragraphs. */
  async function queueEmail(tx: Tx, user: User, subject: string, paragraphs: string[]) {
    await tx.emailOutbox.create({
      data: { to: user.email, subject, body: [`Hi ${user.name},`, ...paragraphs].join('\n\n') },
    });
    if (!config.smtpUrl) log.info({ subject }, 'email queued; SMTP_URL is not set, so it stays unsent in EmailOutbox');
  }

  /** Issues a reset token for the email's account, if it has one; every older token of the user stops working. */
  async function queuePasswordReset(email: string) {
    const user = await db.user.findUnique({ where: { email } });
    if (!user) return;
    const token = randomSecret();
    await db.$transaction(async (tx) => {
      await tx.passwordResetToken.deleteMany({ where: { userId: user.id, usedAt: null } });
      await tx.passwordResetToken.create({
        data: {
          userId: user.id,
          tokenHash: hashSecret(token),
          expiresAt: new Date(Date.now() + RESET_TOKEN_TTL_MINUTES * 60_000),
        },
      });
      await queueEmail(tx, user, 'Reset your MockMate password', [
        `Someone asked to reset the password of your MockMate account. If it was you, open this link within ${RESET_TOKEN_TTL_MINUTES} minutes:`,
        resetPasswordLink(config.appUrl, token),
        'If it was not you, ignore this email; your password stays as it is.',
      ]);
    });
  }

  const invalidResetToken = () => badInput('token', 'This reset link is invalid or has expired.');

  /**
   * Sessions by id. Plain SQL: the per-request path, where Prisma's query compilation would cost more than
   * the query; coalesced, so a wave of sockets reconnecting with sessions not yet cached shares round trips.
   */
  const sessionsById = coalescedById(async (ids: string[]) => {
    const { rows } = await sql.query<{ id: string; userId: string; revoked: boolean; role: User['role'] }>(
      `SELECT s.id, s."userId", s."revokedAt" IS NOT NULL AS revoked, u.role
         FROM "Session" s JOIN "User" u ON u.id = s."userId" WHERE s.id = ANY($1::uuid[])`,
      // One malformed id (a token signed elsewhere with the same key) must not fail the batch's others.
      [ids.filter(isUuid)],
    );
    return rows;
  });
  return {
    async register(input: { email: string; password: string; name: string }, ip: string): Promise<AuthResult> {
      const email = normalizeEmail(input.email);
      await spend(limits.register, ip, 'Too many accounts were created from your network. Try again later.');
      const passwordHash = await hasher.hash(input.password);
      try {
        return await db.$transaction(async (tx) => {
          const role = roleFor(email, false, config.adminEmails);
          const user = await tx.user.create({ data: { email, name: input.name.trim(), passwordHash, role } });
          await queueVerification(tx, user);
          return issueSession(tx, user);
        });
      } catch (err) {
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
          throw conflict('An account with this email already exists.', { field: 'email' });
        }
        throw err;
      }
    },

    async requestEmailVerification(viewer: Viewer): Promise<boolean> {
      await spend(limits.verificationRequest, viewer.id, 'Too many verification emails. Try again later.');
      await db.$transaction(async (tx) => {
        const [user] = await tx.$queryRaw<User[]>`SELECT * FROM "User" WHERE id = ${viewer.id}::uuid FOR UPDATE`;
        if (!user) throw unauthenticated();
        if (user.emailVerifiedAt)
          throw conflict('Your email address is already verified.', { reason: 'ALREADY_VERIFIED' });
        await queueVerification(tx, user);
      });
      return true;
    },

    /** Proves the address with a token from the verification email; needs no sign-in (the link may open anywhere). */
    async verifyEmail(token: string): Promise<User> {
      const { user, sessionIds } = await db.$transaction(async (tx) => {
        const found = await tx.emailVerificationToken.findUnique({ where: { tokenHash: hashSecret(token) } });
        if (!found || found.expiresAt <= new Date())
          throw badInput('token', 'This verification link is invalid or has expired.');
        // Deleting it is the claim: of two concurrent uses, only one deletes a row.
        const { count } = await tx.emailVerificationToken.deleteMany({ where: { id: found.id } });
        if (count === 0) throw badInput('token', 'This verification link is invalid or has expired.');
        await tx.emailVerificationToken.deleteMany({ where: { userId: found.userId } });
        const before = await tx.user.findUniqueOrThrow({ where: { id: found.userId } });
        const verified = before.emailVerifiedAt
          ? before
          : await tx.user.update({ where: { id: before.id }, data: { emailVerifiedAt: new Date() } });
        const user = await withCurrentRole(tx, verified);
        const live = await tx.session.findMany({ where: { userId: user.id, revokedAt: null }, select: { id: true } });
        return { user, sessionIds: live.map((s) => s.id) };
      });
      // A new role must not wait for this instance's cached sessions to expire (others' expire within SESSION_CACHE.ttlMs).
      sessions.drop(sessionIds);
      await users.changed([user.id]);
      return user;
    },

    async login(input: { email: string; password: string }, ip: string): Promise<AuthResult> {
      const email = normalizeEmail(input.email);
      const reserved = await reserveLogin(email, ip);
      let ok: boolean;
      let user: User | null;
      try {
        user = await db.user.findUnique({ where: { email } });
        ok = await hasher.verify(user?.passwordHash ?? (await dummyHash), input.password);
      } catch (err) {
        await refund(reserved); // not a failed guess (busy, or the database failed)
        throw err;
      }
      if (!user || !ok) throw unauthenticated('Invalid email or password.'); // the reservation stays: it counts the failure
      // OWASP: success clears this address's failures for the account, and gives back the other reservations.
      await Promise.all([
        limits.loginAccountAddress.reset(`${email}|${ip}`),
        refund(reserved.filter(([limit]) => limit !== limits.loginAccountAddress)),
        limits.knownAddress.reset(`${email}|${ip}`).then(() => limits.knownAddress.consume(`${email}|${ip}`)),
      ]);
      const current = await withCurrentRole(db, user);
      if (current.role !== user.role) await users.changed([user.id]);
      return issueSession(db, current);
    },

    /**
     * Rotates the session's refresh token. A token this session issued before its current one is
     * reuse (it leaked), and ends the session, except the one just rotated away within the grace
     * period: parallel refreshes of one token all get the pair that replaced it. A token the session
     * never issued is only UNAUTHENTICATED, so knowing a session id (it is in every access token)
     * cannot end anybody's session.
     */
    async refreshSession(refreshToken: string): Promise<AuthResult> {
      const parsed = parseRefreshToken(refreshToken);
      if (!parsed) throw unauthenticated('Invalid refresh token.');
      const outcome = await db.$transaction(async (tx) => {
        // Row lock: two refreshes with the same token cannot both rotate it.
        const rows = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM "Session" WHERE id = ${parsed.sessionId}::uuid FOR UPDATE`;
        if (rows.length === 0) return { kind: 'invalid' as const };
        const session = await tx.session.findUniqueOrThrow({
          where: { id: parsed.sessionId },
          include: { user: true },
        });
        if (session.revokedAt || session.expiresAt <= new Date()) return { kind: 'invalid' as const };
        const current = session.refreshGeneration;
        const secretOf = (generation: number) =>
          deriveRefreshSecret(config.jwtSecret, session.refreshSeed!, generation);
        const rotate = async (next: number, secret: string) => {
          await tx.session.update({
            where: { id: session.id },
            data: {
              refreshTokenHash: hashSecret(secret),
              refreshSeed: session.refreshSeed ?? undefined,
              refreshGeneration: next,
              rotatedAt: new Date(),
              lastUsedAt: new Date(),
            },
          });
          return { kind: 'ok' as const, session, generation: next, secret };
        };
        if (parsed.generation === null || !session.refreshSeed) {
          // A token from before derivation: only the current one is known, so nothing else can count as reuse.
          if (
            parsed.generation !== null ||
            session.refreshSeed ||
            !sameSecret(hashSecret(parsed.secret), session.refreshTokenHash)
          ) {
            return { kind: 'invalid' as const };
          }
          session.refreshSeed = randomSecret();
          return rotate(current + 1, secretOf(current + 1));
        }
        if (parsed.generation > current || !sameSecret(parsed.secret, secretOf(parsed.generation)))
          return { kind: 'invalid' as const };
        if (parsed.generation === current) return rotate(current + 1, secretOf(current + 1));
        const justRotated =
          parsed.generation === current - 1 &&
          session.rotatedAt &&
          Date.now() - session.rotatedAt.getTime() <= config.refreshGraceMs;
        if (justRotated) return { kind: 'ok' as const, session, generation: current, secret: secretOf(current) };
        // A rotated-away token came back: it leaked. End the whole session.
        await tx.session.update({
          where: { id: session.id },
          data: { revokedAt: new Date(), revokedReason: 'refresh-reuse' },
        });
        return { kind: 'reused' as const, sessionId: session.id };
      });
      if (outcome.kind === 'reused') {
        log.warn({ sessionId: outcome.sessionId }, 'refresh token reused; session revoked');
        await announceRevoked([outcome.sessionId]);
      }
      if (outcome.kind !== 'ok') throw unauthenticated('Invalid refresh token.');
      const { session, generation, secret } = outcome;
      return {
        token: await signAccessToken(session.userId, session.id),
        refreshToken: formatRefreshToken(session.id, generation, secret),
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

    /**
     * Answers after the rate limit alone: whether the email has an account is looked up after the
     * answer, so known and unknown addresses take the same time and nobody learns who has an account.
     */
    async requestPasswordReset(rawEmail: string): Promise<boolean> {
      const email = normalizeEmail(rawEmail);
      await spend(limits.resetRequest, email, 'Too many password reset requests. Try again later.');
      later('password reset request', () => queuePasswordReset(email));
      return true;
    },

    async resetPassword(token: string, newPassword: string, ip: string): Promise<AuthResult> {
      await spend(limits.resetPassword, ip, 'Too many password reset attempts from your network. Try again later.');
      const tokenHash = hashSecret(token);
      // Checked before hashing: a bogus token costs one indexed read, never an argon2 hash.
      const usable = { tokenHash, usedAt: null, expiresAt: { gt: new Date() } };
      if (!(await db.passwordResetToken.findFirst({ where: usable, select: { id: true } }))) throw invalidResetToken();
      const passwordHash = await hasher.hash(newPassword);
      const { result, revoked } = await db.$transaction(async (tx) => {
        // Marking it used in the same statement that checks it makes it single-use under concurrency.
        const claimed = await tx.passwordResetToken.updateManyAndReturn({
          where: usable,
          data: { usedAt: new Date() },
        });
        const row = claimed[0];
        if (!row) throw invalidResetToken();
        await tx.passwordResetToken.deleteMany({ where: { userId: row.userId, usedAt: null } });
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

    /** Waits for work started after an answer (reset emails); stop() calls it before the pools close. */
    async close() {
      await Promise.all([...pending]);
    },

    /** Resolves an access token to its viewer; a revoked session fails at once, not at token expiry. */
    async authenticate(token: string): Promise<{ viewer: Viewer } | { failure: AuthFailure }> {
      const claims = verifiedTokens.get(token) ?? (await verifyAccessToken(token));
      if ('failure' in claims) return claims;
      const { sub, sid } = claims;
      const ticket = sessions.ticket();
      const cached = sessions.get(sid);
      if (cached)
        return cached.userId === sub
          ? { viewer: { id: sub, sessionId: sid, role: cached.role } }
          : { failure: 'invalid' };
      const session = await sessionsById(sid);
      if (!session || session.userId !== sub) return { failure: 'invalid' };
      if (session.revoked) return { failure: 'revoked' };
      sessions.put(sid, { userId: session.userId, role: session.role }, ticket);
      return { viewer: { id: sub, sessionId: sid, role: session.role } };
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
