// Subscriptions whose frames are written directly, without graphql-ws's
// iteration. Shared ones: a subscription whose result cannot depend on who is
// watching executes once per (event, operation) and is encoded once for every
// subscriber on this instance (room-fanout.ts writes the frames), instead of
// once per subscriber. Per-user ones (`events`): executed per subscriber, each
// live event written synchronously (user-delivery.ts). Auth still runs per
// subscriber, at subscribe time.
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  GraphQLError,
  OperationTypeNode,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ROOM_FEED, USER_FEED, type RoomFeed, type UserFeed } from '../services/events.js';
import type { FanoutTarget } from './frames.js';
import { createRoomFanout } from './room-fanout.js';
import { deliverUserFeed } from './user-delivery.js';

/**
 * Subscription fields whose events read the same for every viewer allowed to
 * subscribe. waitingRoom: WaitingRoomEvent exposes only the room's counts
 * (type, slotId, waitingCount, byDifficulty { difficulty count }, at), no
 * viewer-scoped field and no field with auth scopes; who may watch is decided
 * by its auth scope (any signed-in user). Never add a field whose event type exposes
 * the viewer's data (events, matchFound, interviewSession).
 */
export const SHARED_SUBSCRIPTION_FIELDS: ReadonlySet<string> = new Set(['waitingRoom']);

/** Subscription fields whose stream offers USER_FEED: executed per subscriber, written directly. */
const USER_FEED_FIELDS: ReadonlySet<string> = new Set(['events']);

/** A subscription whose root selections are only `fields` (no fragments, no directives). */
function selectsOnly(
  fields: ReadonlySet<string>,
  document: DocumentNode,
  operationName: string | null | undefined,
): boolean {
  const op = getOperationAST(document, operationName);
  return (
    op?.operation === OperationTypeNode.SUBSCRIPTION &&
    op.selectionSet.selections.every((s) => s.kind === Kind.FIELD && !s.directives?.length && fields.has(s.name.value))
  );
}

/** A subscription of only the fields listed above may share results with the same operation. */
export const isSharedOperation = (document: DocumentNode, operationName: string | null | undefined) =>
  selectsOnly(SHARED_SUBSCRIPTION_FIELDS, document, operationName);

// Same parsed document (yoga caches parses by text), operation name and
// variables: the same operation, so the same result for the same event.
const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
function operationKey(args: ExecutionArgs): string {
  let id = documentIds.get(args.document);
  if (id === undefined) documentIds.set(args.document, (id = nextDocumentId++));
  return JSON.stringify([id, args.operationName ?? null, args.variableValues ?? null]);
}

/**
 * Where ws-server puts, in rootValue, the socket and subscription id a shared
 * subscription writes its frames to (see room-fanout.ts).
 */
export const DIRECT_DELIVERY = Symbol('directDelivery');

/**
 * Envelop plugin for shared and per-user operations over graphql-ws: resolves
 * the source stream as graphql-js does (the field's subscribe and auth run for
 * this subscriber), then hands the subscription to the room fan-out (which
 * executes and masks each event once per operation) or to the per-user
 * delivery, which write the frames themselves. What it returns to the envelop
 * chain and graphql-ws yields nothing and never ends by itself; its return()
 * (client `complete`, socket closed) stops the frames. So the per-result
 * wrappers (error masking, done here) and graphql-ws's per-socket stringify
 * never run. A source without a feed goes the ordinary way.
 */
export function sharedSubscriptionExecution(opts: { maskError: (error: GraphQLError) => GraphQLError }): Plugin {
  const mask = (result: ExecutionResult): ExecutionResult =>
    result.errors ? { ...result, errors: result.errors.map(opts.maskError) } : result;
  const onError = (err: unknown): ExecutionResult => ({
    data: null,
    errors: [opts.maskError(new GraphQLError(String(err), { originalError: err as Error }))],
  });
  const fanout = createRoomFanout({ onError });
  return {
    onSubscribe({ args, setSubscribeFn }) {
      const target = (args.rootValue as { [DIRECT_DELIVERY]?: FanoutTarget } | undefined)?.[DIRECT_DELIVERY];
      if (!target) return;
      const document = args.document as DocumentNode;
      const operationName = args.operationName as string | null | undefined;
      const shared = isSharedOperation(document, operationName);
      if (!shared && !selectsOnly(USER_FEED_FIELDS, document, operationName)) return;
      const key = shared ? operationKey(args) : '';
      setSubscribeFn(async (subArgs: ExecutionArgs) => {
        const source = await createSourceEventStream(subArgs);
        const roomFeed = shared ? (source as { [ROOM_FEED]?: RoomFeed })[ROOM_FEED] : undefined;
        const userFeed = shared ? undefined : (source as { [USER_FEED]?: UserFeed })[USER_FEED];
        if (!roomFeed && !userFeed) return source;
        const events = source as AsyncIterableIterator<unknown>;
        const run = (event: unknown) => {
          const result = execute({ ...subArgs, rootValue: event });
          return result instanceof Promise ? result.then(mask) : mask(result);
        };
        // Joined before the per-subscriber stream is released, so no event falls between the two.
        let leave: () => void;
        try {
          leave = roomFeed
            ? await fanout.join(roomFeed, key, run, target)
            : deliverUserFeed(userFeed!, run, target, onError);
        } finally {
          await events.return?.();
        }
        let end!: () => void;
        const ended = new Promise<IteratorResult<never>>(
          (resolve) => (end = () => resolve({ value: undefined, done: true })),
        );
        const stream: AsyncIterableIterator<never> = {
          next: () => ended,
          async return() {
            leave();
            end();
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
