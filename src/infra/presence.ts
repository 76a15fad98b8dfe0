// Who is connected where, across instances. Each key (a user, a user in an
// interview) holds members ("instance:connection") with an expiry that this
// instance refreshes while they live, so a killed instance's members stop
// counting within the TTL. They stay in the key, stale, until someone prunes
// them (a remove on that key, or the sweep that announces them gone).
// Single-instance mode keeps the same API in memory, where nothing goes stale.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export const DEFAULT_PRESENCE_TTL_MS = 60_000;
const SCAN_COUNT = 500;

export interface Presence {
  /** Adds a member; returns the key's live member count after adding. */
  add(key: string, member: string): Promise<number>;
  /**
   * Adds members in order, in one atomic step (one round trip): each one's
   * live count after adding it, as if added one after another.
   */
  addAll(entries: readonly (readonly [key: string, member: string])[]): Promise<number[]>;
  /**
   * Adds a member only if the key already has a live one and fewer than `max`
   * (counting the member itself if present), in one atomic step: the live
   * count after adding, 'none' (nothing added: no live member), or 'full'.
   */
  addIfLive(key: string, member: string, max: number): Promise<number | 'none' | 'full'>;
  /** Removes a member only if another live one stays, in one atomic step; false: nothing removed. */
  removeIfOthers(key: string, member: string): Promise<boolean>;
  /** Removes a member and the key's stale ones; returns the key's live member count after removing. */
  remove(key: string, member: string): Promise<number>;
  /** Keys starting with `keyPrefix` that hold stale members (their instance stopped refreshing them). */
  stale(keyPrefix: string): Promise<string[]>;
  /** How many of a key's members are stale and how many live, changing nothing. */
  inspect(key: string): Promise<{ stale: number; live: number }>;
  /** Drops a key's stale members. */
  prune(key: string): Promise<void>;
  /** Keeps a member as stale (no longer live, not yet pruned), for the sweep to act on: a close whose announcement failed. */
  markStale(key: string, member: string): Promise<void>;
  count(key: string): Promise<number>;
  counts(keys: string[]): Promise<number[]>;
  /** A member name unique to this instance. */
  member(localId: string): string;
  close(): Promise<void>;
}

export function createPresence(redis: Redis | null, opts: { prefix?: string; ttlMs?: number } = {}): Presence {
  const instance = randomUUID();
  const member = (localId: string) => `${instance}:${localId}`;
  return redis
    ? redisPresence(redis, opts.prefix ?? 'presence:', opts.ttlMs ?? DEFAULT_PRESENCE_TTL_MS, member)
    : memoryPresence(member);
}

function memoryPresence(member: (id: string) => string): Presence {
  const keys = new Map<string, Set<string>>();
  // Nothing goes stale by itself in one process; only markStale() leaves members here.
  const staleKeys = new Map<string, Set<string>>();
  const count = async (key: string) => keys.get(key)?.size ?? 0;
  const add = async (key: string, m: string) => {
    const set = keys.get(key) ?? new Set();
    set.add(m);
    keys.set(key, set);
    return set.size;
  };
  return {
    member,
    add,
    addAll: (entries) => Promise.all(entries.map(([key, m]) => add(key, m))),
    async addIfLive(key, m, max) {
      const set = keys.get(key);
      if (!set?.size) return 'none';
      if (!set.has(m) && set.size >= max) return 'full';
      set.add(m);
      return set.size;
    },
    async removeIfOthers(key, m) {
      const set = keys.get(key);
      if (!set || set.size - (set.has(m) ? 1 : 0) < 1) return false;
      set.delete(m);
      return true;
    },
    async remove(key, m) {
      const set = keys.get(key);
      set?.delete(m);
      if (set?.size === 0) keys.delete(key);
      staleKeys.delete(key);
      return set?.size ?? 0;
    },
    count,
    counts: (ks) => Promise.all(ks.map(count)),
    stale: async (prefix) => [...staleKeys.keys()].filter((k) => k.startsWith(prefix)),
    inspect: async (key) => ({ stale: staleKeys.get(key)?.size ?? 0, live: await count(key) }),
    prune: async (key) => void staleKeys.delete(key),
    async markStale(key, m) {
      const set = keys.get(key);
      set?.delete(m);
      if (set?.size === 0) keys.delete(key);
      staleKeys.set(key, (staleKeys.get(key) ?? new Set()).add(m));
    },
    async close() {
      keys.clear();
      staleKeys.clear();
    },
  };
}

// Live members have an expiry after ARGV[1] (now). KEYS[1] key; ARGV now, expiry, member, max, key ttl.
const ADD_IF_LIVE = `
local live = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf')
if live == 0 then return -1 end
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) and live >= tonumber(ARGV[4]) then return -2 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf')`;
// KEYS[1] key; ARGV now, member. 1 if removed, 0 if it was the last live member (nothing removed).
const REMOVE_IF_OTHERS = `
local live = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf')
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if score and tonumber(score) > tonumber(ARGV[1]) then live = live - 1 end
if live < 1 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
return 1`;

function redisPresence(redis: Redis, prefix: string, ttlMs: number, member: (id: string) => string): Presence {
  // Local members, refreshed by the heartbeat and removed on close.
  const local = new Map<string, Set<string>>();
  // Counting leaves stale members in place: the sweep needs to find them to announce them gone.
  const live = (key: string) => redis.zcount(prefix + key, `(${Date.now()}`, '+inf');
  const touch = (keys: [string, Set<string>][]) => {
    if (keys.length === 0) return Promise.resolve();
    const expiry = Date.now() + ttlMs;
    const multi = redis.multi();
    for (const [key, members] of keys) {
      for (const m of members) multi.zadd(prefix + key, expiry, m);
      // Outlives its members long enough for the sweep to see the stale ones.
      multi.pexpire(prefix + key, ttlMs * 3);
    }
    return multi.exec().then(() => undefined);
  };
  // One MULTI, so that of concurrent adds to a key exactly one sees 1.
  const addAll: Presence['addAll'] = async (entries) => {
    const now = Date.now();
    const multi = redis.multi();
    for (const [key, m] of entries) {
      const set = local.get(key) ?? new Set();
      set.add(m);
      local.set(key, set);
      const k = prefix + key;
      multi
        .zadd(k, now + ttlMs, m)
        .pexpire(k, ttlMs * 3)
        .zcount(k, `(${now}`, '+inf');
    }
    const results = (await multi.exec()) as [unknown, number][];
    return entries.map((_, i) => results[i * 3 + 2]![1]);
  };
  const heartbeat = setInterval(() => void touch([...local]).catch(() => {}), ttlMs / 3);
  heartbeat.unref();
  return {
    member,
    add: async (key, m) => (await addAll([[key, m]]))[0]!,
    addAll,
    async addIfLive(key, m, max) {
      const now = Date.now();
      const n = (await redis.eval(ADD_IF_LIVE, 1, prefix + key, now, now + ttlMs, m, max, ttlMs * 3)) as number;
      if (n === -1) return 'none';
      if (n === -2) return 'full';
      const set = local.get(key) ?? new Set();
      set.add(m);
      local.set(key, set);
      return n;
    },
    async removeIfOthers(key, m) {
      const removed = (await redis.eval(REMOVE_IF_OTHERS, 1, prefix + key, Date.now(), m)) as number;
      if (removed === 0) return false;
      const set = local.get(key);
      set?.delete(m);
      if (set?.size === 0) local.delete(key);
      return true;
    },
    async remove(key, m) {
      const set = local.get(key);
      set?.delete(m);
      if (set?.size === 0) local.delete(key);
      // The caller announces the last member going: stale ones go with it, so the sweep does not announce it again.
      const k = prefix + key;
      const [, , [, n]] = (await redis
        .multi()
        .zrem(k, m)
        .zremrangebyscore(k, '-inf', Date.now())
        .zcount(k, '-inf', '+inf')
        .exec()) as [unknown, unknown, [unknown, number]];
      return n;
    },
    count: live,
    counts: (ks) => Promise.all(ks.map(live)),
    async stale(keyPrefix) {
      const found: string[] = [];
      const now = Date.now();
      for await (const keys of redis.scanStream({
        match: `${prefix}${keyPrefix}*`,
        count: SCAN_COUNT,
      }) as AsyncIterable<string[]>) {
        if (keys.length === 0) continue;
        const multi = redis.multi();
        for (const k of keys) multi.zcount(k, '-inf', now);
        const results = (await multi.exec()) as [unknown, number][];
        keys.forEach((k, i) => results[i]![1] > 0 && found.push(k.slice(prefix.length)));
      }
      return found;
    },
    async inspect(key) {
      const k = prefix + key;
      const [[, stale], [, n]] = (await redis.multi().zcount(k, '-inf', Date.now()).zcard(k).exec()) as [
        [unknown, number],
        [unknown, number],
      ];
      return { stale, live: n - stale };
    },
    async prune(key) {
      await redis.zremrangebyscore(prefix + key, '-inf', Date.now());
    },
    async markStale(key, m) {
      const set = local.get(key);
      set?.delete(m);
      if (set?.size === 0) local.delete(key);
      // Expired already, so it counts as stale; the key outlives it long enough for the sweep.
      await redis
        .multi()
        .zadd(prefix + key, Date.now() - 1, m)
        .pexpire(prefix + key, ttlMs * 3)
        .exec();
    },
    async close() {
      clearInterval(heartbeat);
      const multi = redis.multi();
      for (const [key, members] of local) multi.zrem(prefix + key, ...members);
      local.clear();
      await multi.exec().catch(() => {});
    },
  };
}
