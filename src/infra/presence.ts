// Who is connected where, across instances. Each key (a user, a user in an
// interview) holds members ("instance:connection") with an expiry that this
// instance refreshes while they live, so a killed instance's members vanish
// within PRESENCE_TTL_MS. Single-instance mode keeps the same API in memory.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export const PRESENCE_TTL_MS = 60_000;
const HEARTBEAT_MS = 20_000;

export interface Presence {
  /** Adds a member; returns the key's live member count after adding. */
  add(key: string, member: string): Promise<number>;
  /** Removes a member; returns the key's live member count after removing. */
  remove(key: string, member: string): Promise<number>;
  count(key: string): Promise<number>;
  counts(keys: string[]): Promise<number[]>;
  /** A member name unique to this instance. */
  member(localId: string): string;
  close(): Promise<void>;
}

export function createPresence(redis: Redis | null, prefix = 'presence:'): Presence {
  const instance = randomUUID();
  const member = (localId: string) => `${instance}:${localId}`;
  return redis ? redisPresence(redis, prefix, member) : memoryPresence(member);
}

function memoryPresence(member: (id: string) => string): Presence {
  const keys = new Map<string, Set<string>>();
  const count = async (key: string) => keys.get(key)?.size ?? 0;
  return {
    member,
    async add(key, m) {
      const set = keys.get(key) ?? new Set();
      set.add(m);
      keys.set(key, set);
      return set.size;
    },
    async remove(key, m) {
      const set = keys.get(key);
      set?.delete(m);
      if (set?.size === 0) keys.delete(key);
      return set?.size ?? 0;
    },
    count,
    counts: (ks) => Promise.all(ks.map(count)),
    async close() {
      keys.clear();
    },
  };
}

function redisPresence(redis: Redis, prefix: string, member: (id: string) => string): Presence {
  // Local members, refreshed by the heartbeat and removed on close.
  const local = new Map<string, Set<string>>();
  const live = async (key: string) => {
    const k = prefix + key;
    const [, [, n]] = (await redis.multi().zremrangebyscore(k, '-inf', Date.now()).zcard(k).exec()) as [unknown, [unknown, number]];
    return n;
  };
  const touch = (keys: [string, Set<string>][]) => {
    if (keys.length === 0) return Promise.resolve();
    const expiry = Date.now() + PRESENCE_TTL_MS;
    const multi = redis.multi();
    for (const [key, members] of keys) {
      for (const m of members) multi.zadd(prefix + key, expiry, m);
      multi.pexpire(prefix + key, PRESENCE_TTL_MS * 2);
    }
    return multi.exec().then(() => undefined);
  };
  const heartbeat = setInterval(() => void touch([...local]).catch(() => {}), HEARTBEAT_MS);
  heartbeat.unref();
  return {
    member,
    async add(key, m) {
      const set = local.get(key) ?? new Set();
      set.add(m);
      local.set(key, set);
      await touch([[key, new Set([m])]]);
      return live(key);
    },
    async remove(key, m) {
      const set = local.get(key);
      set?.delete(m);
      if (set?.size === 0) local.delete(key);
      await redis.zrem(prefix + key, m);
      return live(key);
    },
    count: live,
    counts: (ks) => Promise.all(ks.map(live)),
    async close() {
      clearInterval(heartbeat);
      const multi = redis.multi();
      for (const [key, members] of local) multi.zrem(prefix + key, ...members);
      local.clear();
      await multi.exec().catch(() => {});
    },
  };
}
