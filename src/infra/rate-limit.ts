// Fixed-window counters. Redis-backed so limits hold across instances; an
// in-memory map in single-instance mode. While Redis is unreachable the Redis
// limiter counts in memory instead: limits still hold per instance, and sign-in,
// chat and password resets keep working (fail open to local counters, not to none).
import type { Redis } from 'ioredis';

export interface Window {
  limit: number;
  windowMs: number;
}

export interface Count {
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export interface RateLimiter {
  /** Adds one to the key's counter and returns the new count. */
  hit(key: string, windowMs: number): Promise<Count>;
  peek(key: string): Promise<Count>;
  reset(key: string): Promise<void>;
}

const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

export function createRateLimiter(redis: Redis | null, prefix = 'rl:'): RateLimiter {
  return redis ? redisLimiter(redis, prefix) : memoryLimiter();
}

function redisLimiter(redis: Redis, prefix: string): RateLimiter {
  // The connection's own error listener logs the outage; a fallback per call would only repeat it.
  const local = memoryLimiter();
  return {
    async hit(key, windowMs) {
      try {
        const [count, ttl] = (await redis.eval(HIT_SCRIPT, 1, prefix + key, windowMs)) as [number, number];
        return { count, resetMs: Math.max(0, ttl) };
      } catch {
        return local.hit(key, windowMs);
      }
    },
    async peek(key) {
      try {
        const [count, ttl] = await Promise.all([redis.get(prefix + key), redis.pttl(prefix + key)]);
        return { count: Number(count ?? 0), resetMs: Math.max(0, ttl) };
      } catch {
        return local.peek(key);
      }
    },
    async reset(key) {
      await Promise.all([redis.del(prefix + key).catch(() => {}), local.reset(key)]);
    },
  };
}

function memoryLimiter(): RateLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const current = (key: string, now: number) => {
    const w = windows.get(key);
    if (w && w.resetAt > now) return w;
    windows.delete(key);
    return undefined;
  };
  return {
    async hit(key, windowMs) {
      const now = Date.now();
      const w = current(key, now) ?? { count: 0, resetAt: now + windowMs };
      w.count += 1;
      windows.set(key, w);
      return { count: w.count, resetMs: w.resetAt - now };
    },
    async peek(key) {
      const now = Date.now();
      const w = current(key, now);
      return { count: w?.count ?? 0, resetMs: w ? w.resetAt - now : 0 };
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}
