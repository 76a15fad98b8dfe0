// graphql-ws on the /graphql path, executing through the same envelop plugins
// (auth, error masking, limits, logging) as HTTP.
//
// Connection lifecycle:
//   upgrade → connection_init { authorization } → onConnect verifies the token:
//     bad or expired token → close 4403; no token → anonymous connection;
//   subscribe → yoga's enveloped parse/validate/context → execute or subscribe;
//   session revoked elsewhere (logout, reset) → every socket of it closes 4403;
//   shutdown → after app.stop() has sent SERVER_SHUTDOWN down every stream,
//     close 1001 so clients reconnect to another instance.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, MessageType } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { GraphQLError, getOperationAST, type DocumentNode, type ExecutionArgs } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { asSocketClientError } from '../graphql-errors.js';
import { resolveViewer, type Infra, type Services } from '../context.js';
import { ERROR_CODES, type ErrorCode } from '../domain/errors.js';
import { channels, type SessionsRevokedMessage } from '../domain/events.js';
import type { FieldCount } from '../domain/realtime-stats.js';
import type { Metrics } from '../infra/metrics.js';
import { DIRECT_DELIVERY, nextFrame, type DirectDelivery } from './shared-subscriptions.js';
import type { SocketAuth } from './socket-auth.js';

export const WsCloseCode = {
  /** Bad or expired token at connection_init, or the session was revoked. */
  Forbidden: CloseCode.Forbidden,
  /** The user already has the most sockets allowed open. */
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
  /** For shared subscriptions, which send their results themselves (see shared-subscriptions.ts). */
  [DIRECT_DELIVERY]: DirectDelivery;
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
  return first?.kind === 'Field' ? first.name.value : (op?.operation ?? 'unknown');
}

/** Messages only a server sends: graphql-ws would treat one from a client as its own failure (4500). */
const SERVER_MESSAGE_TYPES = new Set<unknown>([MessageType.ConnectionAck, MessageType.Next, MessageType.Error]);

/**
 * JSON reviver of incoming messages; it sees the whole message last (key '').
 * Throwing makes graphql-ws close with 4400 Invalid message, the client's fault.
 */
function rejectServerMessages(key: string, value: unknown) {
  if (key === '' && typeof value === 'object' && value !== null && SERVER_MESSAGE_TYPES.has((value as { type?: unknown }).type)) {
    throw new Error('A client may not send this message type.');
  }
  return value;
}

export async function createWsServer(opts: {
  httpServer: HttpServer;
  yoga: Yoga;
  services: Services;
  infra: Pick<Infra, 'log' | 'pubsub'>;
  metrics: Metrics;
  path: string;
  /** Called when sockets or subscriptions come or go. */
  onChange?: () => void;
}): Promise<RealtimeServer> {
  const { yoga, services, metrics } = opts;
  const { log, pubsub } = opts.infra;
  const changed = opts.onChange ?? (() => {});
  // noServer: attached with `server`, ws re-emits the HTTP server's errors (e.g.
  // EADDRINUSE at listen) on wss, where graphql-ws logs them as internal errors
  // with a stack; listen errors belong to whoever calls listen().
  const wss = new WebSocketServer({ noServer: true, path: opts.path });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  // While closing, ws answers upgrades with 503, so clients retry elsewhere.
  opts.httpServer.on('upgrade', onUpgrade);
  const socketsBySession = new Map<string, Set<WebSocket>>();
  /** Per socket: operation id → root field. */
  const subscriptionsBySocket = new Map<WebSocket, Map<string, string>>();

  const untrackSocket = (socket: WebSocket, auth: SocketAuth | undefined) => {
    const sid = auth?.viewer?.sessionId;
    if (sid) {
      const set = socketsBySession.get(sid);
      set?.delete(socket);
      if (set?.size === 0) socketsBySession.delete(sid);
    }
    for (const field of subscriptionsBySocket.get(socket)?.values() ?? []) metrics.activeSubscriptions.dec({ field });
    subscriptionsBySocket.delete(socket);
  };

  wss.on('connection', (socket) => {
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
        const ip = ctx.extra.request.socket.remoteAddress ?? 'unknown';
        const { viewer, authFailure } = await resolveViewer(services, ctx.connectionParams?.['authorization']);
        if (authFailure) return false; // graphql-ws closes with 4403 Forbidden
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
          const set = socketsBySession.get(viewer.sessionId) ?? new Set();
          set.add(ctx.extra.socket);
          socketsBySession.set(viewer.sessionId, set);
        }
        return true;
      },
      onClose: async (ctx) => {
        untrackSocket(ctx.extra.socket, ctx.extra.auth);
        const auth = ctx.extra.auth;
        if (auth?.viewer) await services.userPresence.socketClosed(auth.viewer.id, auth.socketId);
      },
      onSubscribe: async (ctx, id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          socketAuth: ctx.extra.auth,
          params: payload,
        });
        // The client's document is at fault: an error for this operation with an
        // API.md code, as over HTTP. (A throw here would close the whole socket
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
        if (!getOperationAST(document!, payload.operationName)) {
          // graphql-js's words, as HTTP answers.
          const message =
            payload.operationName != null
              ? `Unknown operation named "${payload.operationName}".`
              : 'Must provide operation name if query contains multiple operations.';
          return [asSocketClientError(new GraphQLError(message))];
        }
        const subs = subscriptionsBySocket.get(ctx.extra.socket);
        if (subs && !subs.has(id)) {
          const field = rootField(document, payload.operationName);
          subs.set(id, field);
          metrics.activeSubscriptions.inc({ field });
          changed();
        }
        const socket = ctx.extra.socket;
        const deliver: DirectDelivery = (result) => {
          if (socket.readyState !== socket.OPEN) return;
          let written: (() => void) | undefined;
          // Write errors close the socket, which ends the subscription.
          socket.send(nextFrame(id, result), () => written?.());
          if (socket.bufferedAmount > 0) return new Promise<void>((resolve) => (written = resolve));
        };
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe, [DIRECT_DELIVERY]: deliver } satisfies Executors,
        };
      },
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
