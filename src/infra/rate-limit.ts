// Every rate limit of the app, on rate-limiter-flexible: counters in Redis, spent with one atomic
// increment so that instances share them and concurrent requests cannot both see room; an in-memory
// map in single-instance mode. While Redis is unreachable each Redis rule counts in its insurance
// (in-memory) limiter instead: limits still hold per instance, and sign-in, chat and password
// resets keep working (fail open to local counters, not to none).
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface Rule {
  limit: number;
  windowMs: number;
}

export type Spent = { ok: true } | { ok: false; retryAfterMs: number };

export interface Limit {
  /** Takes `points` at once; refused when that goes over the limit (the points still count for this window). */
  consume(key: string, points?: number): Promise<Spent>;
  /** Points taken in the key's current window (0 when none). */
  used(key: string): Promise<number>;
  /** Gives back points that consume took, e.g. for an attempt that turned out fine. */
  refund(key: string, points?: number): Promise<void>;
  reset(key: string): Promise<void>;
}

export interface RateLimiter {
  /** The counters of one rule; `name` namespaces its keys. */
  rule(name: string, rule: Rule): Limit;
}

export function createRateLimiter(redis: Redis | null, prefix = 'rl:'): RateLimiter {
  return {
    rule(name, { limit, windowMs }) {
      const options = { points: limit, duration: windowMs / 1000, keyPrefix: `${prefix}${name}` };
      const memory = new RateLimiterMemory(options);
      // rejectIfRedisNotReady: while reconnecting, go to the insurance at once instead of queueing behind the outage.
      const store: RateLimiterAbstract = redis
        ? new RateLimiterRedis({
            ...options,
            storeClient: redis,
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          })
        : memory;
      return wrap(store);
    },
  };
}

function wrap(store: RateLimiterAbstract): Limit {
  return {
    async consume(key, points = 1) {
      try {
        await store.consume(key, points);
        return { ok: true };
      } catch (err) {
        if (err instanceof RateLimiterRes) return { ok: false, retryAfterMs: err.msBeforeNext };
        throw err;
      }
    },
    async used(key) {
      return (await store.get(key))?.consumedPoints ?? 0;
    },
    async refund(key, points = 1) {
      await store.reward(key, points);
    },
    async reset(key) {
      await store.delete(key);
    },
  };
}
