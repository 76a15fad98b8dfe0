// Per-instance memory of access tokens already verified, of sessions found valid and of user rows, so
// authenticating a request and answering `me` need no database read. Every change is announced
// (channels.sessionsRevoked, channels.usersChanged) and drops the entry on every instance as it arrives; the
// TTL bounds what a missed announcement can cost, and nothing is trusted
// while the announcements may be missed (see PubSubHandle.listenEpoch).
// Not lru-cache: it would replace only the size bound and the TTL; the listen-epoch and
// revocation-race checks would stay ours around it, so one small Map stays simpler.
import type { PubSubEngine } from 'graphql-subscriptions';
import type { Role } from '../generated/prisma/enums.js';
import type { Logger } from '../infra/logger.js';

export interface CachedSession {
  userId: string;
  role: Role;
}

export interface AnnouncedCacheOptions {
  ttlMs: number;
  maxEntries: number;
  /** PubSubHandle.listenEpoch: null = revocations may be missed now. */
  listenEpoch: () => number | null;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  validUntil: number;
  epoch: number;
}

export interface Ticket {
  drops: number;
  epoch: number | null;
}

/** Rows by id, each kept until its TTL or until a drop announced for it (a revocation, a change). */
export function createAnnouncedCache<V>({ ttlMs, maxEntries, listenEpoch, now = Date.now }: AnnouncedCacheOptions) {
  const entries = new Map<string, Entry<V>>();
  // Bumped by every drop: a read that started before one may have seen the row as it was.
  let drops = 0;

  return {
    get(id: string): V | null {
      const e = entries.get(id);
      if (!e) return null;
      if (e.validUntil <= now() || e.epoch !== listenEpoch()) {
        entries.delete(id);
        return null;
      }
      return e.value;
    },

    /** Call before reading the row; pass the result to put(). */
    ticket(): Ticket {
      return { drops, epoch: listenEpoch() };
    },

    put(id: string, value: V, ticket: Ticket) {
      if (ticket.epoch === null || ticket.epoch !== listenEpoch() || ticket.drops !== drops) return;
      setBounded(entries, id, { value, validUntil: now() + ttlMs, epoch: ticket.epoch }, maxEntries);
    },

    drop(ids: readonly string[]) {
      drops++;
      for (const id of ids) entries.delete(id);
    },

    size: () => entries.size,
  };
}

/**
 * An announced cache following its channel: nothing is kept until the subscription stands (announcements
 * could be missed), and announce() drops the ids here at once, not when its own announcement comes back,
 * then on every other instance.
 */
export function createFollowedCache<V, M>({
  pubsub,
  channel,
  idsOf,
  message,
  what,
  log,
  ...options
}: AnnouncedCacheOptions & {
  pubsub: PubSubEngine;
  channel: string;
  idsOf: (message: M) => readonly string[];
  message: (ids: string[]) => M;
  /** Names the announcements in logs ("session revocations"). */
  what: string;
  log: Logger;
}) {
  let hearing = false;
  const cache = createAnnouncedCache<V>({ ...options, listenEpoch: () => (hearing ? options.listenEpoch() : null) });
  pubsub
    .subscribe(channel, (m: M) => cache.drop(idsOf(m)), {})
    .then(() => (hearing = true))
    .catch((err: unknown) => log.warn({ err }, `could not subscribe to ${what}; every read goes to the database`));
  return {
    ...cache,
    async announce(ids: string[]) {
      if (ids.length === 0) return;
      cache.drop(ids);
      // Other instances' copies expire within the TTL.
      await pubsub
        .publish(channel, message(ids))
        .catch((err: unknown) => log.warn({ err }, `could not announce ${what}`));
    },
  };
}

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
