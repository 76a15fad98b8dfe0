// Automatic persisted queries: the query text a client registered under its
// SHA-256 hash. In Redis when there is one, so a query registered on one
// instance runs by hash on every other; in memory in single-instance mode.
import { createInMemoryAPQStore, type APQStore } from '@graphql-yoga/plugin-apq';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

const TTL_SECONDS = 7 * 24 * 3600;

export function createPersistedQueryStore(redis: Redis | null, log: Logger, prefix = 'apq:'): APQStore {
  if (!redis) return createInMemoryAPQStore({ max: 1000, ttl: TTL_SECONDS * 1000 });
  // Redis down: answer "not found" and skip storing, so clients fall back to sending the query.
  return {
    get: (hash) =>
      redis.get(prefix + hash).catch((err: Error) => {
        log.warn({ err: err.message }, 'persisted query lookup failed');
        return null;
      }),
    set: (hash, query) =>
      redis.set(prefix + hash, query, 'EX', TTL_SECONDS).catch((err: Error) => {
        log.warn({ err: err.message }, 'persisted query not stored');
      }),
  };
}
