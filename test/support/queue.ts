/**
 * Items as they arrive, taken one at a time: a test awaits the item itself
 * rather than sleeping. A wait that times out leaves the queue, so a late item
 * goes to the next wait instead of being swallowed.
 */
export interface TimedQueue<T> {
  // Properties, not methods: tests pass them around as callbacks.
  push: (item: T) => void;
  next: (timeoutMs?: number) => Promise<T>;
  /** Items received but not yet taken. */
  pending: () => number;
}

export function timedQueue<T>(what = 'event', defaultTimeoutMs = 5_000): TimedQueue<T> {
  const queue: T[] = [];
  const waiters: ((item: T) => void)[] = [];
  return {
    push: (item) => {
      const w = waiters.shift();
      if (w) w(item);
      else queue.push(item);
    },
    next: (timeoutMs = defaultTimeoutMs) => {
      if (queue.length) return Promise.resolve(queue.shift()!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (item: T) => {
          clearTimeout(timer);
          resolve(item);
        };
        waiters.push(waiter);
      });
    },
    pending: () => queue.length,
  };
}
