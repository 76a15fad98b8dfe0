/**
 * Group commit for one kind of round trip: calls made while a batch is under
 * way wait and go together as the next one (at most `max` at a time), so a
 * wave of callers (reconnecting sockets) costs a few round trips instead of
 * one each, however slow each round trip is. The first call waits for the
 * end of the event loop's turn, so the calls of one turn share it. `run`
 * answers each item in the order given; if it throws, every call of that
 * batch rejects with its error.
 */
export function coalesced<I, O>(run: (batch: I[]) => Promise<O[]>, max = 500): (item: I) => Promise<O> {
  let queue: { item: I; resolve: (out: O) => void; reject: (err: unknown) => void }[] = [];
  async function drain() {
    while (queue.length > 0) {
      const batch = queue.slice(0, max);
      try {
        const out = await run(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(out[i]!));
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
      queue = queue.slice(batch.length);
    }
  }
  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // The queue holds the running batch until it is done: only the first call after an idle spell starts a drain.
      if (queue.length === 1) setImmediate(() => void drain());
    });
}

/** coalesced() for lookups by id: `find` returns the rows of a batch's ids in any order; an id not found answers undefined. */
export function coalescedById<R extends { id: string }>(
  find: (ids: string[]) => Promise<R[]>,
  max?: number,
): (id: string) => Promise<R | undefined> {
  return coalesced(async (ids: string[]) => {
    const byId = new Map((await find(ids)).map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id));
  }, max);
}
