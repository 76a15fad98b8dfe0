// One last item for every open stream of this instance when it shuts down
// (SERVER_SHUTDOWN). Each stream is wrapped; announce() makes every wrapper
// yield its final item ahead of anything queued, and resolves once each
// consumer has pulled past it: graphql-ws pulls the next item only after the
// previous one is written to the socket, so "pulled past" means "sent".
// A stream never completes because of it (a `complete` tells clients not to
// resubscribe after reconnecting) and yields nothing after it, so the final
// item really is the last one the client sees.

export interface ShutdownNotice {
  /**
   * Wraps `source`. After announce() it yields `final(lastDelivered)` once,
   * then waits for return(). If `final` throws, the stream carries on without it.
   */
  wrap<T>(
    source: AsyncIterableIterator<T>,
    final: (lastDelivered: T | undefined) => T | Promise<T>,
  ): AsyncIterableIterator<T>;
  /**
   * A stream that sends its own items (the room fan-out writes frames itself):
   * at announce() `deliver` sends the final item and resolves whether it was
   * written. Returns the function to call when the stream ends.
   */
  track(deliver: () => Promise<boolean>): () => void;
  /** Runs the opening of a stream (which ends in wrap()); announce() waits for openings under way, so they get it too. */
  opening<T>(open: () => Promise<T>): Promise<T>;
  /** Hands every open stream its final item; resolves when all were pulled past, or at the deadline. */
  announce(deadlineMs: number): Promise<{ delivered: number; undelivered: number }>;
  /** Streams open now. */
  size(): number;
}

interface Entry {
  due(): void;
  /** true once the consumer pulled past the final item; false if the stream ended without. */
  settled: Promise<boolean>;
}

export function createShutdownNotice(): ShutdownNotice {
  const open = new Set<Entry>();
  const openings = new Set<Promise<unknown>>();
  let announced = false;
  let due = 0;
  let delivered = 0;

  return {
    size: () => open.size,

    wrap<T>(source: AsyncIterableIterator<T>, final: (lastDelivered: T | undefined) => T | Promise<T>) {
      // live → due (announced) → sent (final item handed out) → after (pulled past, or given up)
      let state: 'live' | 'due' | 'sent' | 'after' = 'live';
      let lastDelivered: T | undefined;
      let pending: Promise<IteratorResult<T>> | null = null;
      let wake: (() => void) | null = null;
      let settle!: (pulled: boolean) => void;
      let stop!: () => void;
      const stopped = new Promise<IteratorResult<T>>((r) => (stop = () => r({ value: undefined, done: true })));
      const entry: Entry = {
        due() {
          if (state !== 'live') return;
          state = 'due';
          due++;
          wake?.();
        },
        settled: new Promise<boolean>((r) => (settle = r)),
      };
      const finish = (pulled: boolean) => {
        if (!open.delete(entry)) return;
        if (pulled) delivered++;
        settle(pulled);
      };
      open.add(entry);
      if (announced) entry.due();

      const it: AsyncIterableIterator<T> = {
        async next() {
          if (state === 'sent') {
            state = 'after';
            finish(true);
            return stopped;
          }
          if (state === 'due') {
            state = 'sent';
            try {
              return { value: await final(lastDelivered), done: false };
            } catch {
              state = 'live';
              finish(false);
            }
          }
          if (state === 'after') return stopped;
          pending ??= source.next();
          if (state === 'live' && open.has(entry)) {
            // One promise settled by whichever comes first; a Promise.race per item cost
            // a tenth of the server's CPU in the fan-out profile.
            const item = pending;
            const first = await new Promise<IteratorResult<T> | null>((resolve, reject) => {
              wake = () => resolve(null);
              item.then(resolve, reject);
            });
            wake = null;
            // Announced while waiting: the source item stays pending, the final item goes first.
            if (first === null) return it.next();
          }
          const r = await pending;
          pending = null;
          if (r.done) finish(false);
          else lastDelivered = r.value;
          return r;
        },
        async return(value?: unknown) {
          finish(false);
          stop();
          await source.return?.(value);
          return { value: undefined, done: true };
        },
        [Symbol.asyncIterator]() {
          return it;
        },
      };
      return it;
    },

    track(deliver) {
      let started = false;
      let settle!: (sent: boolean) => void;
      const entry: Entry = {
        due() {
          if (started) return;
          started = true;
          due++;
          deliver().then(finish, () => finish(false));
        },
        settled: new Promise<boolean>((r) => (settle = r)),
      };
      function finish(sent: boolean) {
        if (!open.delete(entry)) return;
        if (sent) delivered++;
        settle(sent);
      }
      open.add(entry);
      if (announced) entry.due();
      return () => finish(false);
    },

    opening(openStream) {
      const work = openStream();
      openings.add(work);
      const forget = () => void openings.delete(work);
      work.then(forget, forget);
      return work;
    },

    async announce(deadlineMs) {
      announced = true; // streams opened from now on start with their final item
      for (const e of open) e.due();
      let timer: NodeJS.Timeout | undefined;
      let late = false;
      const deadline = new Promise<void>((r) => (timer = setTimeout(() => r(void (late = true)), deadlineMs)));
      await Promise.race([Promise.allSettled([...openings]), deadline]);
      // Streams that finished opening may register a moment later (the room fan-out does): wait for those too.
      while (open.size > 0 && !late) await Promise.race([Promise.all([...open].map((e) => e.settled)), deadline]);
      clearTimeout(timer);
      return { delivered, undelivered: due - delivered };
    },
  };
}
