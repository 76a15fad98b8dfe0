// Per-instance memory of access tokens already verified and of sessions found valid, so authenticating a request
// needs no database read. Every revocation is announced on
// channels.sessionsRevoked and drops the entry on every instance as it arrives; the
// TTL bounds what a missed announcement can cost, and nothing is trusted
// while the announcements may be missed (see PubSubHandle.listenEpoch).
// Not lru-cache: it would replace only the size bound and the TTL; the listen-epoch and
// revocation-race checks would stay ours around it, so one small Map stays simpler.
import type { Role } from '../generated/prisma/enums.js';

export interface CachedSession {
  userId: string;
  role: Role;
}

export interface SessionCacheOptions {
  ttlMs: number;
  maxEntries: number;
  /** PubSubHandle.listenEpoch: null = revocations may be missed now. */
  listenEpoch: () => number | null;
  now?: () => number;
}

interface Entry extends CachedSession {
  validUntil: number;
  epoch: number;
}

export function createSessionCache({ ttlMs, maxEntries, listenEpoch, now = Date.now }: SessionCacheOptions) {
  const entries = new Map<string, Entry>();
  // Bumped by every revocation: a read that started before one may have seen the session still valid.
  let revocations = 0;

  return {
    get(sessionId: string): CachedSession | null {
      const e = entries.get(sessionId);
      if (!e) return null;
      if (e.validUntil <= now() || e.epoch !== listenEpoch()) {
        entries.delete(sessionId);
        return null;
      }
      return e;
    },

    /** Call before reading the session; pass the result to put(). */
    ticket() {
      return { revocations, epoch: listenEpoch() };
    },

    put(sessionId: string, session: CachedSession, ticket: { revocations: number; epoch: number | null }) {
      if (ticket.epoch === null || ticket.epoch !== listenEpoch() || ticket.revocations !== revocations) return;
      setBounded(
        entries,
        sessionId,
        { userId: session.userId, role: session.role, validUntil: now() + ttlMs, epoch: ticket.epoch },
        maxEntries,
      );
    },

    revoke(sessionIds: readonly string[]) {
      revocations++;
      for (const id of sessionIds) entries.delete(id);
    },

    size: () => entries.size,
  };
}

export type SessionCache = ReturnType<typeof createSessionCache>;

export interface VerifiedToken {
  sub: string;
  sid: string;
  expiresAtMs: number;
}

/**
 * Access tokens whose signature and claims were checked, kept until they
 * expire: a hit skips the HMAC. Keyed by the whole token, so only the exact
 * bytes that were verified can hit. Says nothing about the session.
 */
export function createVerifiedTokens({ maxEntries, now = Date.now }: { maxEntries: number; now?: () => number }) {
  const tokens = new Map<string, VerifiedToken>();
  return {
    get(token: string): VerifiedToken | null {
      const t = tokens.get(token);
      if (t && t.expiresAtMs <= now()) tokens.delete(token);
      return t && t.expiresAtMs > now() ? t : null;
    },
    put(token: string, verified: VerifiedToken) {
      setBounded(tokens, token, verified, maxEntries);
    },
  };
}

function setBounded<K, V>(map: Map<K, V>, key: K, value: V, maxEntries: number) {
  // Map order is insertion order: the first key is the oldest entry.
  if (!map.has(key) && map.size >= maxEntries) map.delete(map.keys().next().value!);
  map.set(key, value);
}
