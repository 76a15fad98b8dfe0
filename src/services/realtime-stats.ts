// Query.realtimeStats: this instance reports its counts to the registry every
// few seconds and shortly after each change; a query refreshes its own row,
// then adds up every fresh row. Online users come from the presence registry.
// Each report is announced on pub/sub, so Subscription.realtimeStats pushes a
// fresh total whenever any instance's counts move (and at each heartbeat).
import { randomUUID } from 'node:crypto';
import type { PubSubEngine } from 'graphql-subscriptions';
import {
  aggregate,
  INSTANCE_REPORT_TTL_MS,
  type InstanceReport,
  type RealtimeTotals,
} from '../domain/realtime-stats.js';
import { rereadOnChange } from '../infra/async-queue.js';
import { subscribeQueue } from '../infra/pubsub.js';
import type { InstanceRegistry } from '../infra/instance-registry.js';
import type { Logger } from '../infra/logger.js';
import type { UserPresence } from './presence.js';

const HEARTBEAT_MS = INSTANCE_REPORT_TTL_MS / 3;
/** Changes within this window go out in one report. */
const CHANGE_DELAY_MS = 100;

type LocalCounts = Pick<InstanceReport, 'sockets' | 'authenticatedSockets' | 'subscriptions'>;

export function createRealtimeStats(deps: {
  registry: InstanceRegistry;
  userPresence: UserPresence;
  pubsub: PubSubEngine;
  /** REALTIME_STATS_PREFIX: the announcements stay within the deployment, like the rows. */
  prefix: string;
  instanceName: string;
  log: Logger;
}) {
  const { registry, userPresence, pubsub, log } = deps;
  const reportedChannel = `${deps.prefix}reported`;
  const id = randomUUID();
  const startedAt = new Date().toISOString();
  let local: (() => Promise<LocalCounts>) | null = null;
  let heartbeat: NodeJS.Timeout | undefined;
  let soon: NodeJS.Timeout | undefined;
  // Reports under way, so close() removes the row after the last one lands, not before.
  const reporting = new Set<Promise<void>>();

  function report(): Promise<void> {
    if (!local) return Promise.resolve();
    const counts = local;
    const work = (async () => {
      await registry.report({
        id,
        name: deps.instanceName,
        ...(await counts()),
        startedAt,
        lastSeen: new Date().toISOString(),
      });
      await pubsub.publish(reportedChannel, { id });
    })();
    reporting.add(work);
    return work.finally(() => reporting.delete(work));
  }
  // Debug only: while Redis is down this fails every few seconds, and the connection errors are logged already.
  async function totals(): Promise<RealtimeSnapshot> {
    const sums = aggregate(await registry.list(), new Date());
    return { ...sums, onlineUsers: await userPresence.onlineCount(), at: new Date() };
  }
  const reportQuietly = () => void report().catch((err: unknown) => log.debug({ err }, 'realtime stats not reported'));

  return {
    /** Starts reporting this instance's counts, read from `counts`. */
    start(counts: () => Promise<LocalCounts>) {
      local = counts;
      heartbeat = setInterval(reportQuietly, HEARTBEAT_MS).unref();
      reportQuietly();
    },

    /** Sockets or subscriptions changed: report soon. */
    changed() {
      if (!local || soon) return;
      soon = setTimeout(() => {
        soon = undefined;
        reportQuietly();
      }, CHANGE_DELAY_MS).unref();
    },

    async snapshot() {
      await report();
      return totals();
    },

    /**
     * The totals now, then again after each report of any instance. Reports that
     * land while one total is being read are folded into the next one.
     */
    async stream(): Promise<AsyncIterableIterator<RealtimeSnapshot>> {
      return rereadOnChange(await subscribeQueue(pubsub, reportedChannel), totals);
    },

    /** Stops reporting and removes this instance's row (a killed one's expires instead). */
    async close() {
      local = null;
      clearInterval(heartbeat);
      clearTimeout(soon);
      await Promise.allSettled([...reporting]);
      await registry.remove(id).catch((err: unknown) => log.warn({ err }, 'realtime stats row not removed'));
    },
  };
}

export type RealtimeStats = ReturnType<typeof createRealtimeStats>;
export type RealtimeSnapshot = RealtimeTotals & { onlineUsers: number; at: Date };
