// Fan-out of room events: one source event reaches every subscriber of the
// room as the same object (the pub/sub parses a message once and hands it to
// every listener), so a subscription whose result cannot depend on who is
// watching executes once per (event, operation) and is encoded once, instead
// of once per subscriber. Auth still runs per subscriber, at subscribe time.
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLError,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Subscription fields whose events read the same for every viewer allowed to
 * subscribe. waitingRoom: WaitingRoomEvent exposes only the room's counts
 * (type, slotId, waitingCount, byDifficulty { difficulty count }, at), no
 * viewer-scoped field and no field with auth scopes; who may watch is decided
 * by its auth scope (any signed-in user). Never add a field whose event type exposes
 * the viewer's data (events, matchFound, interviewSession).
 */
export const SHARED_SUBSCRIPTION_FIELDS: ReadonlySet<string> = new Set(['waitingRoom']);

/**
 * A subscription whose root selections are only fields listed above (no
 * fragments, no directives) may share results with the same operation.
 */
export function isSharedOperation(document: DocumentNode, operationName: string | null | undefined): boolean {
  const op = getOperationAST(document, operationName);
  return (
    op?.operation === 'subscription' &&
    op.selectionSet.selections.every(
      (s) => s.kind === Kind.FIELD && !s.directives?.length && SHARED_SUBSCRIPTION_FIELDS.has(s.name.value),
    )
  );
}

// Same parsed document (yoga caches parses by text), operation name and
// variables: the same operation, so the same result for the same event.
const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
function operationKey(args: ExecutionArgs): string {
  let id = documentIds.get(args.document);
  if (id === undefined) documentIds.set(args.document, (id = nextDocumentId++));
  return JSON.stringify([id, args.operationName ?? null, args.variableValues ?? null]);
}

/** Results per source event, per operation key; an event's entry goes when the event object does. */
const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

function sharedExecute(event: object, key: string, run: () => Promise<ExecutionResult>) {
  let perEvent = results.get(event);
  if (!perEvent) results.set(event, (perEvent = new Map()));
  let result = perEvent.get(key);
  if (!result) perEvent.set(key, (result = run()));
  return result;
}

/**
 * Where ws-server puts, in rootValue, how a socket takes `next` frames for one
 * subscription. A returned promise means the socket is backed up: the next
 * event waits for it, so a slow client's backlog stays as shared events in
 * its queue rather than as encoded frames in the socket's buffer.
 */
export const DIRECT_DELIVERY = Symbol('directDelivery');
export type DirectDelivery = (result: ExecutionResult) => Promise<void> | void;

/**
 * Envelop plugin for shared operations over graphql-ws: resolves the source
 * stream as graphql-js does (the field's subscribe and auth run for this
 * subscriber), executes and masks each event once for every subscriber of
 * the same operation, and hands each result to the socket directly. What it
 * returns to the envelop chain and graphql-ws yields nothing: it ends when the
 * events end (graphql-ws then sends `complete`), fails when they fail
 * (graphql-ws sends `error`), and its return() (client `complete`, socket
 * closed) stops the events. So the per-result wrappers (error masking, which
 * has been done once here) and graphql-ws's per-socket stringify never run.
 */
export function sharedSubscriptionExecution(opts: { maskError: (error: GraphQLError) => GraphQLError }): Plugin {
  return {
    onSubscribe({ args, setSubscribeFn }) {
      const deliver = (args.rootValue as { [DIRECT_DELIVERY]?: DirectDelivery } | undefined)?.[DIRECT_DELIVERY];
      if (!deliver || !isSharedOperation(args.document, args.operationName)) return;
      const key = operationKey(args);
      setSubscribeFn(async (subArgs: ExecutionArgs) => {
        const source = await createSourceEventStream(subArgs);
        if (!(Symbol.asyncIterator in source)) return source;
        const events = source[Symbol.asyncIterator]();
        const run = async (event: unknown): Promise<ExecutionResult> => {
          const result = await execute({ ...subArgs, rootValue: event });
          return result.errors ? { ...result, errors: result.errors.map(opts.maskError) } : result;
        };
        let stopped = false;
        let stop!: () => void;
        const stopping = new Promise<void>((resolve) => (stop = resolve));
        const delivered = (async () => {
          for (;;) {
            const next = await events.next();
            if (next.done) return;
            const event = next.value as unknown;
            const result = await (typeof event === 'object' && event !== null ? sharedExecute(event, key, () => run(event)) : run(event));
            // Nothing after the client's `complete`, as graphql-ws would not send it either.
            if (stopped) return;
            const backedUp = deliver(result);
            if (backedUp) await Promise.race([backedUp, stopping]);
          }
        })();
        // graphql-ws sees a failure through next(); once it has returned, nobody asks.
        delivered.catch(() => {});
        const stream: AsyncIterableIterator<never> = {
          next: () => delivered.then(() => ({ value: undefined, done: true }) as const),
          async return() {
            stopped = true;
            stop();
            await events.return?.();
            return { value: undefined, done: true };
          },
          [Symbol.asyncIterator]() {
            return stream;
          },
        };
        return stream;
      });
    },
  };
}

/** The graphql-ws `next` frame for a result; the payload is encoded once per result object. */
const encoded = new WeakMap<ExecutionResult, string>();
export function nextFrame(id: string, result: ExecutionResult): string {
  let payload = encoded.get(result);
  if (payload === undefined) encoded.set(result, (payload = JSON.stringify(result)));
  return `{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`;
}
