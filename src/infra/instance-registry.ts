// Where instances leave their realtime counts for each other: one Redis hash
// per deployment (field = instance id), each row carrying its lastSeen, so a
// killed instance's row is ignored (and pruned) once it is older than the TTL.
// Single-instance mode keeps the one row in memory.
import type { Redis } from 'ioredis';
import { INSTANCE_REPORT_TTL_MS, isFresh, type InstanceReport } from '../domain/realtime-stats.js';

export interface InstanceRegistry {
  report(r: InstanceReport): Promise<void>;
  /** Fresh rows of every instance. */
  list(): Promise<InstanceReport[]>;
  remove(id: string): Promise<void>;
}

export function createInstanceRegistry(redis: Redis | null, prefix: string): InstanceRegistry {
  if (!redis) {
    const rows = new Map<string, InstanceReport>();
    return {
      report: async (r) => void rows.set(r.id, r),
      list: async () => [...rows.values()],
      remove: async (id) => void rows.delete(id),
    };
  }
  const key = `${prefix}instances`;
  return {
    async report(r) {
      // The hash outlives its rows a little, so a deployment that stops entirely leaves nothing behind.
      await redis
        .multi()
        .hset(key, r.id, JSON.stringify(r))
        .pexpire(key, INSTANCE_REPORT_TTL_MS * 2)
        .exec();
    },
    async list() {
      const rows = Object.values(await redis.hgetall(key)).map((v) => JSON.parse(v) as InstanceReport);
      const now = new Date();
      const stale = rows.filter((r) => !isFresh(r, now));
      if (stale.length) await redis.hdel(key, ...stale.map((r) => r.id));
      return rows.filter((r) => isFresh(r, now));
    },
    async remove(id) {
      await redis.hdel(key, id);
    },
  };
}
