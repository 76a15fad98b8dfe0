// The GraphQL engine shared by HTTP and WebSocket: schema, context, limits,
// error masking, and one log line plus metrics per operation.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useAPQ, type APQStore } from '@graphql-yoga/plugin-apq';
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getOperationAST,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { resolveViewer, type Context, type Infra, type Services } from './context.js';
import { AppError, rateLimited, type ErrorCode } from './domain/errors.js';
import { DEFAULT_QUERY, renderGraphiQL } from './graphiql.js';
import { ALLOWED_DURING_MAINTENANCE } from './domain/maintenance.js';
import { asClientError, unstorableTextAt } from './graphql-errors.js';
import { clientIp, corsFor } from './infra/client-origin.js';
import { databaseUnavailable } from './infra/db.js';
import type { Logger } from './infra/logger.js';
import type { Metrics } from './infra/metrics.js';
import { costError, operationCost } from './query-cost.js';
import type { SocketAuth } from './realtime/socket-auth.js';
import { sharedSubscriptionExecution } from './realtime/shared-subscriptions.js';
import { schema } from './schema/index.js';
import { createLoaders } from './schema/loaders.js';

interface ServerContext {
  req?: IncomingMessage;
  /** Present for operations arriving over WebSocket. */
  socketAuth?: SocketAuth;
}

export function createGraphQL(
  services: Services,
  infra: Pick<Infra, 'config' | 'db' | 'log' | 'limiter'>,
  metrics: Metrics,
  persistedQueries: APQStore,
) {
  const { log, config, db } = infra;

  const MASKED_MESSAGE = 'Something went wrong on our side. It has been logged.';
  function maskError(error: unknown, message: string): GraphQLError {
    const original = error instanceof GraphQLError ? error.originalError : error;
    const gqlError = error instanceof GraphQLError ? error : null;
    const location = {
      nodes: gqlError?.nodes,
      path: gqlError?.path,
      source: gqlError?.source,
      positions: gqlError?.positions,
    };
    if (original instanceof AppError) {
      return new GraphQLError(original.message, {
        ...location,
        extensions: { ...original.extensions, code: original.code },
      });
    }
    if (databaseUnavailable(original)) {
      log.warn({ err: (original as Error).message, path: gqlError?.path }, 'database refused a connection');
      return new GraphQLError('The service is temporarily unavailable; retry in a moment.', {
        ...location,
        extensions: { code: 'SERVICE_UNAVAILABLE' satisfies ErrorCode, retryable: true, retryAfterSeconds: 1 },
      });
    }
    // Errors raised before execution (parse, validation, limits, variable coercion, which wraps
    // the scalar's own GraphQLError) have no path: the client's document is at fault.
    if (gqlError && !gqlError.path && (!original || original instanceof GraphQLError)) return asClientError(gqlError);
    const errorId = randomUUID();
    log.error({ err: original ?? error, errorId, path: gqlError?.path }, 'unexpected error');
    return new GraphQLError(message, { ...location, extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } });
  }

  return createYoga<ServerContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'MockMate API', subscriptionsProtocol: 'WS', defaultQuery: DEFAULT_QUERY },
    renderGraphiQL,
    batching: false,
    logging: false,
    cors: corsFor(config.corsOrigins),
    context: async ({ req, socketAuth, request }): Promise<Context> => {
      const requestId = randomUUID();
      if (socketAuth) {
        return {
          services,
          db,
          viewer: socketAuth.viewer,
          authFailure: null,
          requestId,
          ip: socketAuth.ip,
          loaders: createLoaders(db, services.userPresence),
        };
      }
      const auth = await resolveViewer(services, request.headers.get('authorization'));
      return {
        services,
        db,
        ...auth,
        requestId,
        ip: clientIp(req, config.trustProxy),
        loaders: createLoaders(db, services.userPresence),
      };
    },
    maskedErrors: { maskError, errorMessage: MASKED_MESSAGE },
    plugins: [
      // Answered with 200 and the code in the body, the way Apollo's PersistedQueryLink and urql's persistedExchange retry.
      useAPQ({ store: persistedQueries, responseConfig: { forceStatusCodeOk: true } }),
      EnvelopArmorPlugin({
        maxAliases: { n: 15 },
        maxDepth: { n: 12, ignoreIntrospection: true },
        // The cost limit is ours (queryCostLimit below): armor's ignores list sizes and counts every union member.
        costLimit: { enabled: false },
        maxTokens: { n: 2000 },
        maxDirectives: { n: 20 },
        // Introspection is public (GraphiQL), so hiding suggestions would protect nothing.
        blockFieldSuggestion: { enabled: false },
      }),
      operationObserver(metrics, log),
      anonymousRateLimit(infra),
      clientValidationErrors(),
      httpRefusals(),
      refuseUnstorableText(),
      queryCostLimit(),
      maintenanceGuard(services),
      sharedSubscriptionExecution({ maskError: (error) => maskError(error, MASKED_MESSAGE) }),
    ],
  });
}

export type GraphQLServer = ReturnType<typeof createGraphQL>;

/** Yoga returns validation errors as a result, so maskError never sees them; give them the contract's code here. */
function clientValidationErrors(): Plugin {
  return {
    onValidate:
      () =>
      ({ result, setResult }) => {
        if (result.length > 0) setResult(result.map((e: Error) => (e instanceof GraphQLError ? asClientError(e) : e)));
      },
  };
}

const clientError = (message: string, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { ...extensions, code: 'BAD_USER_INPUT' satisfies ErrorCode } });

/**
 * What yoga would refuse with an empty body (a content type it cannot parse, or
 * a subscription over HTTP, which would be an unbounded stream outside the
 * socket limits) gets a coded error like every other client mistake.
 */
function httpRefusals(): Plugin<Context & ServerContext> {
  return {
    onRequestParse({ request, requestParser, setRequestParser, endResponse, fetchAPI }) {
      // Only JSON: forms and multipart are what a browser may send cross-origin without a preflight.
      const mediaType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
      if (!requestParser || (request.method !== 'GET' && mediaType !== 'application/json')) {
        const body = JSON.stringify({
          errors: [clientError('Send the request as application/json (POST) or as query parameters (GET).').toJSON()],
        });
        return endResponse(
          new fetchAPI.Response(body, { status: 415, headers: { 'content-type': 'application/json; charset=utf-8' } }),
        );
      }
      // GET's variables and extensions go through a bare JSON.parse.
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (err) {
          if (!(err instanceof SyntaxError)) throw err;
          throw clientError('variables and extensions must be JSON.', { http: { status: 400 } });
        }
      });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (args.contextValue.socketAuth) return;
      setResultAndStopExecution({
        errors: [clientError('Subscriptions are served over WebSocket (graphql-transport-ws) on /graphql.')],
      });
    },
  };
}

/** Text PostgreSQL cannot hold (NUL, unpaired surrogates) is the client's error, not an internal one. */
function refuseUnstorableText(): Plugin {
  const check = ({
    args,
    setResultAndStopExecution,
  }: {
    args: ExecutionArgs;
    setResultAndStopExecution: (r: ExecutionResult) => void;
  }) => {
    const at = unstorableTextAt(args.document, args.variableValues);
    if (!at) return;
    setResultAndStopExecution({
      errors: [clientError(`${at}: must not contain NUL characters or unpaired surrogates.`, { field: at })],
    });
  };
  return { onExecute: check, onSubscribe: check };
}

/** The root fields an operation selects (through fragments too). */
function rootFields(document: DocumentNode, op: OperationDefinitionNode): string[] {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const names: string[] = [];
  const walk = (set: SelectionSetNode, seen: Set<string>) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) names.push(sel.name.value);
      else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet, seen);
      else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        const fragment = fragments.get(sel.name.value);
        if (fragment) walk(fragment.selectionSet, seen);
      }
    }
  };
  walk(op.selectionSet, new Set());
  return names;
}

/** While maintenance is on, a mutation selecting anything but the allowed fields fails whole with MAINTENANCE (HTTP and WebSocket). */
function maintenanceGuard(services: Services): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (!services.maintenance.current().enabled) return;
      const { document, operationName } = args as ExecutionArgs;
      const op = getOperationAST(document, operationName);
      if (op?.operation !== OperationTypeNode.MUTATION) return;
      if (rootFields(document, op).every((f) => f === '__typename' || ALLOWED_DURING_MAINTENANCE.has(f))) return;
      const refusal = services.maintenance.refusal();
      setResultAndStopExecution({
        data: null,
        errors: [new GraphQLError(refusal.message, { extensions: { ...refusal.extensions, code: refusal.code } })],
      });
    },
  };
}

/**
 * Anonymous operations (HTTP and WebSocket) per client address and minute, across
 * instances: signed-in users have their own per-operation limits.
 */
function anonymousRateLimit({ limiter, config }: Pick<Infra, 'limiter' | 'config'>): Plugin<Context> {
  const limit = config.limits.anonymousOperationsPerMinute;
  const anonymous = limiter.rule('anon', { limit, windowMs: 60_000 });
  const check = async ({
    args,
    setResultAndStopExecution,
  }: {
    args: ExecutionArgs;
    setResultAndStopExecution: (r: ExecutionResult) => void;
  }) => {
    const ctx = args.contextValue as Context;
    if (ctx.viewer) return;
    const spent = await anonymous.consume(ctx.ip);
    if (spent.ok) return;
    const err = rateLimited(
      `At most ${limit} operations per minute without signing in; wait a moment or sign in.`,
      spent.retryAfterMs,
    );
    setResultAndStopExecution({
      errors: [new GraphQLError(err.message, { extensions: { ...err.extensions, code: err.code } })],
    });
  };
  return { onExecute: check, onSubscribe: check };
}

/** Refuses an operation that could return more objects than MAX_COST (see src/query-cost.ts), before it runs. */
function queryCostLimit(): Plugin {
  const check = ({
    args,
    setResultAndStopExecution,
  }: {
    args: ExecutionArgs;
    setResultAndStopExecution: (r: ExecutionResult) => void;
  }) => {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return;
    const error = costError(operationCost(args.schema, args.document, operation, args.variableValues ?? {}));
    if (error) setResultAndStopExecution({ errors: [error] });
  };
  return { onExecute: check, onSubscribe: check };
}

/**
 * The metrics' operation label: the root field when the schema has it (a bounded set,
 * the API's operations), else `other`; the client's own operation name goes to the log only.
 */
function operationLabel(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): string {
  const op = getOperationAST(document, operationName);
  const first = op?.selectionSet.selections[0];
  const root = op && schema.getRootType(op.operation);
  return first?.kind === Kind.FIELD && root?.getFields()[first.name.value] ? first.name.value : 'other';
}

/** One log line and metric sample per executed operation (queries, mutations, and each subscription). */
function operationObserver(metrics: Metrics, log: Logger): Plugin<Context> {
  return {
    onExecute({ args }) {
      const started = performance.now();
      const { schema, document, operationName } = args as ExecutionArgs;
      const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      const type = op?.operation ?? 'unknown';
      const name = operationName ?? op?.name?.value ?? 'anonymous';
      const label = operationLabel(schema, document, operationName);
      const ctx = args.contextValue as Context;
      return {
        onExecuteDone({ result }) {
          const errors = ('errors' in result ? (result.errors ?? []) : []) as readonly GraphQLError[];
          const outcome = errors.length ? 'error' : 'ok';
          const durationMs = performance.now() - started;
          metrics.requests.inc({ operation_type: type, operation_name: label, outcome });
          metrics.requestDuration.observe({ operation_type: type }, durationMs / 1000);
          log.info(
            {
              requestId: ctx.requestId,
              operation: name,
              type,
              durationMs: Math.round(durationMs * 10) / 10,
              userId: ctx.viewer?.id,
              errors: errors.length ? errors.map((e) => e.extensions?.['code'] ?? 'ERROR') : undefined,
            },
            'graphql',
          );
        },
      };
    },
  };
}
