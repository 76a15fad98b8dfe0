// A push-based queue consumed with for-await. Closing it ends a pending
// next() at once, which is what lets a subscription stop while it is idle
// (an async generator blocked on an await cannot be returned until it wakes).
// Kept rather than @repeaterjs/repeater or Yoga's pipe/map/filter: pushing items
// to a for-await consumer cost ~0.3 µs CPU per item here against ~7 µs for a
// Repeater and ~25 µs through Yoga's pipe(map, filter) (BENCHMARKS.md, issue 10's decision).
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private waiters: ((r: IteratorResult<T>) => void)[] = [];
  private closed = false;

  constructor(private readonly onClose: () => void = () => {}) {}

  push(item: T): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value: item, done: false });
    else this.items.push(item);
  }

  /** Drops what is queued (a consumer that only needs to know something arrived). */
  drain(): void {
    this.items = [];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.items = [];
    for (const w of this.waiters.splice(0)) w({ value: undefined, done: true });
    this.onClose();
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** Makes closing `queue` part of returning `gen`, so an idle generator stops at once. */
export function closable<T>(gen: AsyncGenerator<T>, queue: { close(): void }): AsyncIterableIterator<T> {
  return {
    next: () => gen.next(),
    return: (value?: unknown) => {
      queue.close();
      return gen.return(value);
    },
    throw: (err?: unknown) => {
      queue.close();
      return gen.throw(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * `read()` at once, then again after each item of `changes`; items that arrive
 * while a read runs are folded into the next one. Closing the result closes `changes`.
 */
export function rereadOnChange<T>(changes: AsyncQueue<unknown>, read: () => Promise<T>): AsyncIterableIterator<T> {
  async function* run(): AsyncGenerator<T> {
    yield await read();
    for await (const _ of changes) {
      changes.drain();
      yield await read();
    }
  }
  return closable(run(), changes);
}

/** Maps and filters (undefined drops) an iterator, passing return() through so the source stops at once. */
export function mapIterator<T, U>(
  source: AsyncIterableIterator<T>,
  fn: (item: T) => U | undefined,
): AsyncIterableIterator<U> {
  const it: AsyncIterableIterator<U> = {
    async next() {
      for (;;) {
        const r = await source.next();
        if (r.done) return { value: undefined, done: true };
        const mapped = fn(r.value);
        if (mapped !== undefined) return { value: mapped, done: false };
      }
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}
