// Per-user delivery: an `events` subscription over graphql-ws takes its
// stream over (USER_FEED). The replay is written event by event, each after
// the one before reached the socket; then each live event is executed for this
// subscriber, encoded once and written as a pre-framed buffer from the pub/sub
// callback, synchronously (frames.ts): no queue, iterator or promise per event.
// graphql-ws still owns subscribe, complete and errors.
import type { ExecutionResult } from 'graphql';
import type { UserEventMessage } from '../domain/events.js';
import type { UserFeed } from '../services/events.js';
import { WsCloseCode } from './ws-server.js';
import { encode, frameWriter, inOrder, sendFrame, sendLastFrame, type FanoutTarget } from './frames.js';

type Run = (event: UserEventMessage) => ExecutionResult | Promise<ExecutionResult>;

/** Starts writing the feed's events to the target; returns the function that stops it. */
export function deliverUserFeed(
  feed: UserFeed,
  run: Run,
  target: FanoutTarget,
  onError: (err: unknown) => ExecutionResult,
): () => void {
  const w = frameWriter(target);
  let last: UserEventMessage | undefined;
  /** Events read from the table, waiting for their frame to be written before the next is read. */
  const paced = new Map<UserEventMessage, () => void>();
  const push = inOrder(
    run,
    (event, result) => {
      const written = paced.get(event);
      if (written) paced.delete(event);
      if (sendFrame(w, encode(result), written)) last = event;
      else written?.();
    },
    onError,
  );
  const end = feed.start({
    push,
    write: (event) =>
      new Promise<void>((resolve) => {
        paced.set(event, resolve);
        push(event);
      }),
    fail() {
      w.stopped = true;
      w.socket.close(WsCloseCode.TryAgainLater, 'Temporarily unavailable; try again later');
    },
  });
  const untrack = feed.notice.track(async () => {
    w.stopped = true;
    const frame = encode(await Promise.resolve(feed.final(last)).then(run).catch(onError));
    return sendLastFrame(w, frame);
  });
  return () => {
    w.stopped = true;
    end();
    untrack();
    for (const written of paced.values()) written();
    paced.clear();
  };
}
