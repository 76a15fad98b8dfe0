// One pub/sub for the whole app: Redis when REDIS_URL is set (every instance
// sees every message), in-process otherwise (single-instance mode). Payloads
// are plain JSON in both, so nothing behaves differently between the two.
import { PubSub, type PubSubEngine } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import { AsyncQueue } from './async-queue.js';

export interface PubSubHandle {
  engine: PubSubEngine;
  /** A command connection (rate limits, presence); null in single-instance mode. */
  redis: Redis | null;
  /**
   * Null while messages may be missed (the subscriber connection is down);
   * otherwise a number that changes whenever it was down, so a cache fed by
   * messages can tell whether it saw all of them since it was filled.
   */
  listenEpoch(): number | null;
  close(): Promise<void>;
}

export function createPubSub(redisUrl: string | undefined, onRedisError: (err: Error) => void): PubSubHandle {
  if (!redisUrl) {
    const engine = new PubSub();
    return { engine, redis: null, listenEpoch: () => 0, close: async () => {} };
  }
  // Commands and PUBLISH share one connection; SUBSCRIBE needs its own.
  const options = { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false };
  // Auto-pipelining: commands issued in the same tick (a wave of socket opens) share one round trip.
  const redis = new Redis(redisUrl, { ...options, connectionName: 'mockmate-cmd', enableAutoPipelining: true });
  const subscriber = new Redis(redisUrl, { ...options, connectionName: 'mockmate-sub' });
  // Queue commands only until the first connection. After that, a lost Redis fails
  // commands at once (rate limits fall back, publishes are logged, presence errors)
  // instead of holding every request for the whole reconnect budget.
  redis.once('ready', () => (redis.options.enableOfflineQueue = false));
  redis.on('error', onRedisError);
  subscriber.on('error', onRedisError);
  const engine = new RedisPubSub({ publisher: redis, subscriber });
  let epoch = 0;
  let confirmed = -1;
  subscriber.on('close', () => epoch++);
  // ioredis is 'ready' before it re-sends SUBSCRIBE after a reconnect; a PING sent
  // after that is answered only once the channels are subscribed again.
  subscriber.on('ready', () => {
    const current = epoch;
    setImmediate(
      () =>
        void subscriber.ping().then(
          () => void (epoch === current && (confirmed = current)),
          () => {},
        ),
    );
  });
  return {
    engine,
    redis,
    listenEpoch: () => (subscriber.status === 'ready' && confirmed === epoch ? epoch : null),
    async close() {
      void engine.close();
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
    },
  };
}

/** A channel's messages as a queue; closing the queue unsubscribes (then runs `onClose`). */
export async function subscribeQueue<T>(
  pubsub: PubSubEngine,
  channel: string,
  onClose = () => {},
): Promise<AsyncQueue<T>> {
  const queue = new AsyncQueue<T>(() => {
    onClose();
    void pubsub.unsubscribe(subId);
  });
  const subId = await pubsub.subscribe(channel, (m: T) => queue.push(m), {});
  return queue;
}
