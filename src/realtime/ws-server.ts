// graphql-ws on the /graphql path, executing through the same envelop plugins
// (auth, error masking, limits, logging) as HTTP.
//
// Connection lifecycle:
//   upgrade: refused (403) for an Origin outside CORS_ORIGINS, (429) past the
//     address's socket cap; frames over WS_MAX_MESSAGE_BYTES close it with 1009;
//   connection_init { authorization } → onConnect verifies the token:
//     bad or expired token → close 4403; no token → anonymous connection
//     (4429 past the address's anonymous cap); the token's expiry closes it 4403;
//   subscribe → yoga's enveloped parse/validate/context → execute or subscribe
//     (RATE_LIMITED for that operation past WS_MAX_OPERATIONS_PER_SOCKET); a token
//     in the operation's extensions.headers signs in that operation, and its
//     expiry, too, closes the socket 4403;
//   session revoked elsewhere (logout, reset) → every socket of it closes 4403;
//   shutdown → after app.stop() has sent SERVER_SHUTDOWN down every stream,
//     close 1001 so clients reconnect to another instance.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, MessageType } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { GraphQLError, Kind, getOperationAST, type DocumentNode, type ExecutionArgs } from 'graphql';
import { decodeJwt } from 'jose';
import type { YogaServerInstance } from 'graphql-yoga';
import { asSocketClientError } from '../graphql-errors.js';
import { bearerToken, resolveViewer, type Infra, type Services } from '../context.js';
import type { ErrorCode } from '../domain/errors.js';
import { channels, type SessionsRevokedMessage } from '../domain/events.js';
import type { FieldCount } from '../domain/realtime-stats.js';
import { clientIp, upgradeOriginAllowed } from '../infra/client-origin.js';
import type { Logger } from '../infra/logger.js';
import type { Metrics } from '../infra/metrics.js';
import type { FanoutTarget } from './frames.js';
import { DIRECT_DELIVERY } from './shared-subscriptions.js';
import type { SocketAuth } from './socket-auth.js';

export const WsCloseCode = {
  /** Bad or expired token at connection_init, the token expired since, or the session was revoked. */
  Forbidden: CloseCode.Forbidden,
  /** The user (or, for anonymous sockets, the address) already has the most sockets allowed open. */
  TooManySockets: 4429,
  /** The server is shutting down; reconnect (another instance will answer). */
  GoingAway: 1001,
  /** A dependency (Redis, the database) is unreachable; reconnect with backoff. */
  TryAgainLater: 1013,
} as const;

type Yoga = YogaServerInstance<Record<string, unknown>, Record<string, unknown>>;

interface Executors {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
  /** For shared subscriptions, which write their frames themselves (see shared-subscriptions.ts). */
  [DIRECT_DELIVERY]: FanoutTarget;
}

export interface RealtimeServer {
  /** Sockets currently open on this instance. */
  socketCount(): number;
  /** This instance's sockets and active operations by root field (read from the metrics). */
  stats(): Promise<{ sockets: number; authenticatedSockets: number; subscriptions: FieldCount[] }>;
  close(code: number, reason: string): Promise<void>;
}

/** The operation's first root field (a subscription has exactly one), or its type when that is a fragment. */
function rootField(document: DocumentNode, operationName: string | null | undefined): string {
  const op = getOperationAST(document, operationName);
  const first = op?.selectionSet.selections[0];
  return first?.kind === Kind.FIELD ? first.name.value : (op?.operation ?? 'unknown');
}

/** setTimeout's longest delay; a token lasting longer is closed early, and the client reconnects. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An upgrade refused before it became a WebSocket: a plain HTTP answer with a coded body. */
function refuseUpgrade(socket: Duplex, status: 403 | 429, message: string) {
  const code: ErrorCode = status === 403 ? 'FORBIDDEN' : 'RATE_LIMITED';
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Every socket's `emit`, one function per server (a closure per socket is memory per socket):
 * - ws has already closed the socket with the right code (1009 for an oversized frame, 1002 for
 *   a malformed one) when it emits a client's protocol error; graphql-ws would then print it to
 *   stderr as an internal error with a stack, one per misbehaving client. Logged here instead.
 * - A message reaches graphql-ws as text: its handler holds the message it was given until the
 *   operation ends, and a Buffer from ws is a view of the whole network read it came in (one
 *   backing store per subscription held, ~0.5 KB each in a heap snapshot of 2,000).
 */
function socketEmit(log: Logger) {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called on each socket below
  const emit = WebSocket.prototype.emit;
  return function (this: WebSocket, event: string | symbol, ...args: unknown[]) {
    if (event === 'message' && Buffer.isBuffer(args[0])) return emit.call(this, event, args[0].toString(), args[1]);
    const err = args[0] as { code?: unknown; message?: string } | undefined;
    if (event !== 'error' || !String(err?.code).startsWith('WS_ERR_')) return emit.call(this, event, ...args);
    log.info({ code: err?.code, reason: err?.message }, 'WebSocket closed for a protocol error');
    return true;
  } as WebSocket['emit'];
}

const MALFORMED = Symbol('malformed authorization');

/**
 * The `authorization` entry of connection params or of an operation's
 * `extensions.headers`, its key in any case (GraphiQL and hand-written clients
 * send `Authorization`). Absent or null: none; a value that is not
 * `Bearer <token>` is refused like a bad token.
 */
function authorizationIn(params: unknown): string | null | typeof MALFORMED {
  if (typeof params !== 'object' || params === null) return null;
  const record = params as Record<string, unknown>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === 'authorization');
  const value = key === undefined ? null : record[key];
  if (value === null || value === undefined) return null;
  return bearerToken(value) ? (value as string) : MALFORMED;
}

/** Messages only a server sends: graphql-ws would treat one from a client as its own failure (4500). */
const SERVER_MESSAGE_TYPES = new Set<unknown>([MessageType.ConnectionAck, MessageType.Next, MessageType.Error]);

/**
 * JSON reviver of incoming messages; it sees the whole message last (key '').
 * Throwing makes graphql-ws close with 4400 Invalid message, the client's fault.
 */
function rejectServerMessages(key: string, value: unknown) {
  if (
    key === '' &&
    typeof value === 'object' &&
    value !== null &&
    SERVER_MESSAGE_TYPES.has((value as { type?: unknown }).type)
  ) {
    throw new Error('A client may not send this message type.');
  }
  return value;
}

export async function createWsServer(opts: {
  httpServer: HttpServer;
  yoga: Yoga;
  services: Services;
  infra: Pick<Infra, 'log' | 'pubsub' | 'config'>;
  metrics: Metrics;
  path: string;
  /** Called when sockets or subscriptions come or go. */
  onChange?: () => void;
}): Promise<RealtimeServer> {
  const { yoga, services, metrics } = opts;
  const { log, pubsub, config } = opts.infra;
  const { limits } = config;
  const changed = opts.onChange ?? (() => {});
  // noServer: attached with `server`, ws re-emits the HTTP server's errors (e.g.
  // EADDRINUSE at listen) on wss, where graphql-ws logs them as internal errors
  // with a stack; listen errors belong to whoever calls listen().
  // maxPayload: ws closes with 1009 as soon as a frame's header announces more, before buffering it.
  const wss = new WebSocketServer({ noServer: true, path: opts.path, maxPayload: limits.wsMaxMessageBytes });
  /** Open sockets per client address on this instance: all of them, and the anonymous ones. */
  const socketsByIp = new Map<string, number>();
  const anonymousByIp = new Map<string, number>();
  const bump = (counts: Map<string, number>, ip: string, by: 1 | -1) => {
    const n = (counts.get(ip) ?? 0) + by;
    if (n > 0) counts.set(ip, n);
    else counts.delete(ip);
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!upgradeOriginAllowed(config.corsOrigins, req)) return refuseUpgrade(socket, 403, 'Origin not allowed.');
    const ip = clientIp(req, config.trustProxy);
    if ((socketsByIp.get(ip) ?? 0) >= limits.wsMaxSocketsPerAddress) {
      return refuseUpgrade(socket, 429, 'Too many WebSockets from this address.');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      bump(socketsByIp, ip, 1);
      ws.once('close', () => bump(socketsByIp, ip, -1));
      wss.emit('connection', ws, req);
    });
  };
  // While closing, ws answers upgrades with 503, so clients retry elsewhere.
  opts.httpServer.on('upgrade', onUpgrade);
  const socketsBySession = new Map<string, Set<WebSocket>>();
  /** Sessions signed in per operation (extensions.headers) on each socket, for revocation. */
  const operationSessions = new Map<WebSocket, Set<string>>();
  const trackSession = (sid: string, socket: WebSocket) => {
    const set = socketsBySession.get(sid) ?? new Set();
    set.add(socket);
    socketsBySession.set(sid, set);
  };
  /**
   * A socket lives as long as the tokens it runs operations with (the connection's,
   * and any sent per operation): clients reconnect with a fresh one and resume by cursor.
   */
  const expiries = new Map<WebSocket, { at: number; timer: NodeJS.Timeout }>();
  const closeAtExpiry = (socket: WebSocket, authorization: string) => {
    const at = (decodeJwt(bearerToken(authorization)!).exp ?? 0) * 1000;
    const current = expiries.get(socket);
    if (current && current.at <= at) return; // one timer per socket, at the earliest expiry
    if (current) clearTimeout(current.timer);
    else
      socket.once('close', () => {
        clearTimeout(expiries.get(socket)?.timer);
        expiries.delete(socket);
      });
    const timer = setTimeout(
      () => socket.close(WsCloseCode.Forbidden, 'Token expired'),
      Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())),
    );
    timer.unref();
    expiries.set(socket, { at, timer });
  };
  /** Per socket: operation id → root field. */
  const subscriptionsBySocket = new Map<WebSocket, Map<string, string>>();

  const untrackSocket = (socket: WebSocket, auth: SocketAuth | undefined) => {
    for (const sid of [auth?.viewer?.sessionId, ...(operationSessions.get(socket) ?? [])]) {
      if (!sid) continue;
      const set = socketsBySession.get(sid);
      set?.delete(socket);
      if (set?.size === 0) socketsBySession.delete(sid);
    }
    operationSessions.delete(socket);
    for (const field of subscriptionsBySocket.get(socket)?.values() ?? []) metrics.activeSubscriptions.dec({ field });
    subscriptionsBySocket.delete(socket);
  };

  const emit = socketEmit(log);
  wss.on('connection', (socket) => {
    socket.emit = emit;
    metrics.openSockets.inc();
    subscriptionsBySocket.set(socket, new Map());
    changed();
    socket.once('close', () => {
      metrics.openSockets.dec();
      changed();
    });
  });

  useServer<Record<string, unknown>, { auth: SocketAuth }>(
    {
      jsonMessageReviver: rejectServerMessages,
      execute: (args) => (args.rootValue as Executors).execute(args) as never,
      subscribe: (args) => (args.rootValue as Executors).subscribe(args) as never,
      onConnect: async (ctx) => {
        const ip = clientIp(ctx.extra.request, config.trustProxy);
        const authorization = authorizationIn(ctx.connectionParams);
        if (authorization === MALFORMED) return false; // graphql-ws closes with 4403 Forbidden
        const { viewer, authFailure } = await resolveViewer(services, authorization);
        if (authFailure) return false;
        const socket = ctx.extra.socket;
        if (!viewer) {
          if ((anonymousByIp.get(ip) ?? 0) >= limits.wsMaxAnonymousSocketsPerAddress) {
            socket.close(
              WsCloseCode.TooManySockets,
              'Too many anonymous sockets from this address; sign in or close some.',
            );
            return false;
          }
          bump(anonymousByIp, ip, 1);
          socket.once('close', () => bump(anonymousByIp, ip, -1));
        }
        const socketId = randomUUID();
        if (viewer) {
          let admitted;
          try {
            admitted = await services.userPresence.socketOpened(viewer.id, socketId);
          } catch (err) {
            // Redis or the database is down: tell the client to come back, as 4500 with the error's text would not.
            log.error({ err, userId: viewer.id }, 'socket refused: presence could not be recorded');
            ctx.extra.socket.close(WsCloseCode.TryAgainLater, 'Temporarily unavailable; try again later');
            return false;
          }
          if (!admitted.ok) {
            ctx.extra.socket.close(WsCloseCode.TooManySockets, admitted.reason);
            return false;
          }
        }
        ctx.extra.auth = { viewer, ip, socketId };
        if (viewer) {
          trackSession(viewer.sessionId, socket);
          closeAtExpiry(socket, authorization!);
        }
        return true;
      },
      onClose: async (ctx) => {
        untrackSocket(ctx.extra.socket, ctx.extra.auth);
        const auth = ctx.extra.auth;
        if (auth?.viewer) await services.userPresence.socketClosed(auth.viewer.id, auth.socketId);
      },
      // yoga.getEnveloped() is typed loosely (its parts are `any`); the values are graphql-js's own.
      /* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument */
      onSubscribe: async (ctx, id, payload) => {
        // GraphiQL sends its Headers pane as `extensions.headers` on each operation: a token
        // there signs in that operation (presence and the socket limit stay the socket's).
        let socketAuth = ctx.extra.auth;
        const headers = payload.extensions?.['headers'];
        const authorization = authorizationIn(headers);
        if (authorization !== null) {
          const refused = (message: string) => [
            new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' satisfies ErrorCode } }),
          ];
          if (authorization === MALFORMED) return refused('extensions.headers.authorization must be "Bearer <token>".');
          const { viewer, authFailure } = await resolveViewer(services, authorization);
          if (!viewer) {
            return refused(
              authFailure === 'expired'
                ? 'Your access token has expired; refresh the session.'
                : 'Your session is no longer valid; sign in again.',
            );
          }
          socketAuth = { ...socketAuth!, viewer };
          trackSession(viewer.sessionId, ctx.extra.socket);
          closeAtExpiry(ctx.extra.socket, authorization);
          const mine = operationSessions.get(ctx.extra.socket) ?? new Set();
          operationSessions.set(ctx.extra.socket, mine.add(viewer.sessionId));
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          socketAuth,
          params: payload,
        });
        // The client's document is at fault: an error for this operation with an
        // contract code (docs/api.md), as over HTTP. (A throw here would close the whole socket
        // with 4500, which is what graphql-armor's limits do inside validate.)
        let document;
        let errors: readonly GraphQLError[];
        try {
          document = parse(payload.query);
          errors = validate(schema, document);
        } catch (err) {
          if (!(err instanceof GraphQLError)) throw err;
          errors = [err];
        }
        if (errors.length > 0) return errors.map(asSocketClientError);
        // graphql-ws would answer an operation it cannot pick with an uncoded error.
        if (!getOperationAST(document, payload.operationName)) {
          // graphql-js's words, as HTTP answers.
          const message =
            payload.operationName != null
              ? `Unknown operation named "${payload.operationName}".`
              : 'Must provide operation name if query contains multiple operations.';
          return [asSocketClientError(new GraphQLError(message))];
        }
        const subs = subscriptionsBySocket.get(ctx.extra.socket);
        if (subs && subs.size >= limits.wsMaxOperationsPerSocket) {
          const limit = limits.wsMaxOperationsPerSocket;
          const message = `At most ${limit} operations may be active on one socket; complete one first.`;
          return [new GraphQLError(message, { extensions: { code: 'RATE_LIMITED' satisfies ErrorCode, limit } })];
        }
        if (subs && !subs.has(id)) {
          const field = rootField(document, payload.operationName);
          subs.set(id, field);
          metrics.activeSubscriptions.inc({ field });
          changed();
        }
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe, [DIRECT_DELIVERY]: { socket: ctx.extra.socket, id } } satisfies Executors,
        };
      },
      /* eslint-enable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument */
      onComplete: (ctx, id) => {
        const subs = subscriptionsBySocket.get(ctx.extra.socket);
        const field = subs?.get(id);
        if (field === undefined) return;
        subs!.delete(id);
        metrics.activeSubscriptions.dec({ field });
        changed();
      },
    },
    wss,
  );

  const onRevoked = (msg: SessionsRevokedMessage) => {
    for (const sid of msg.sessionIds) {
      for (const socket of socketsBySession.get(sid) ?? []) socket.close(WsCloseCode.Forbidden, 'Session revoked');
    }
  };
  const revokedSub = await pubsub.subscribe(channels.sessionsRevoked, onRevoked, {});

  return {
    socketCount: () => wss.clients.size,
    async stats() {
      let authenticatedSockets = 0;
      for (const set of socketsBySession.values()) authenticatedSockets += set.size;
      const { values } = await metrics.activeSubscriptions.get();
      return {
        sockets: wss.clients.size,
        authenticatedSockets,
        subscriptions: values.map((v) => ({ field: String(v.labels.field), count: v.value })),
      };
    },
    async close(code, reason) {
      pubsub.unsubscribe(revokedSub);
      for (const socket of wss.clients) socket.close(code, reason);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
