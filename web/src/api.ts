// All wiring to the MockMate API lives here: the urql client (HTTP for queries
// and mutations, graphql-ws for subscriptions), the signed-in session and its
// token refresh, and the user's `events` stream with resume by cursor.
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { gql } from '@urql/core';

export { gql };

export interface Me {
  id: string;
  name: string;
  email: string | null;
  role: 'USER' | 'ADMIN';
}

export interface Stored {
  token: string;
  refreshToken: string;
  user: Me;
}

// Per tab (sessionStorage): two windows of one browser can be two people trying the app.
const KEY = 'mockmate.session';
let session: Stored | null = read();
const authListeners = new Set<(me: Me | null) => void>();

function read(): Stored | null {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Stored | null;
  } catch {
    return null;
  }
}

export function currentUser(): Me | null {
  return session?.user ?? null;
}

export function onAuthChange(fn: (me: Me | null) => void): () => void {
  authListeners.add(fn);
  return () => authListeners.delete(fn);
}

export function setSession(next: Stored | null) {
  const userChanged = next?.user.id !== session?.user.id;
  session = next;
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
  if (userChanged) {
    // A new identity needs a new socket (its connection_init carries the token) and a clean cache.
    resetClients();
    for (const fn of authListeners) fn(next?.user ?? null);
  }
}

const expiresAt = (token: string) => {
  try {
    return (JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp: number }).exp * 1000;
  } catch {
    return 0;
  }
};

const REFRESH = `mutation Refresh($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { token refreshToken user { id name email role } } }`;
let refreshing: Promise<string | null> | null = null;

/** A token valid for at least 30 s more, refreshed (once, however many callers) when needed. */
async function freshToken(): Promise<string | null> {
  if (!session) return null;
  if (expiresAt(session.token) - Date.now() > 30_000) return session.token;
  refreshing ??= (async () => {
    try {
      const res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: REFRESH, variables: { refreshToken: session.refreshToken } }),
      });
      const body = (await res.json()) as { data?: { refreshSession: Stored } };
      if (!body.data) {
        setSession(null);
        return null;
      }
      setSession(body.data.refreshSession);
      return body.data.refreshSession.token;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

const wsListeners = { connected: new Set<(reconnect: boolean) => void>() };

/** Called on every (re)connection of the socket; `reconnect` is true after a drop or a server restart. */
export function onSocketConnected(fn: (reconnect: boolean) => void): () => void {
  wsListeners.connected.add(fn);
  return () => wsListeners.connected.delete(fn);
}

function makeWs(): WsClient {
  let connections = 0;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const ws = createWsClient({
    url,
    lazy: true,
    keepAlive: 15_000,
    retryAttempts: Infinity,
    // Every close is worth retrying: 1001 (server restart), 4403 (token expired: a fresh one is sent), network loss.
    shouldRetry: () => true,
    retryWait: async (retries) => new Promise((r) => setTimeout(r, Math.min(500 * 2 ** retries, 5_000))),
    connectionParams: async () => {
      const token = await freshToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  });
  ws.on('connected', () => {
    const reconnect = connections++ > 0;
    for (const fn of wsListeners.connected) fn(reconnect);
  });
  return ws;
}

let ws = makeWs();

function makeClient() {
  return new Client({
    url: '/graphql',
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
    requestPolicy: 'cache-and-network',
    fetch: async (input, init) => {
      const token = await freshToken();
      const headers = new Headers(init?.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return fetch(input, { ...init, headers });
    },
  });
}

export let client = makeClient();
const clientListeners = new Set<(c: Client) => void>();
export function onClientChange(fn: (c: Client) => void): () => void {
  clientListeners.add(fn);
  return () => clientListeners.delete(fn);
}

function resetClients() {
  void ws.dispose();
  ws = makeWs();
  client = makeClient();
  for (const fn of clientListeners) fn(client);
}

// --- The viewer's events, resumed by cursor -------------------------------------------

export interface UserEvent {
  id: string;
  type: string;
  at: string;
  payload: Record<string, unknown> | null;
  interview: { id: string } | null;
}

const EVENTS = `subscription Events($after: String) { events(after: $after) { id type at payload interview { id } } }`;
const LATEST = `query LatestEvent { notifications(first: 1) { edges { node { id } } } }`;

/**
 * Streams the viewer's events from now on, each exactly once: after a dropped
 * socket or a server restart (SERVER_SHUTDOWN) it resubscribes with
 * `events(after: <last id seen>)`, and anything at or below that id is skipped.
 */
export function streamEvents(onEvent: (e: UserEvent) => void): () => void {
  let last: bigint | null = null;
  let stopped = false;
  let dispose: (() => void) | null = null;
  const subscribe = () => {
    dispose?.();
    if (stopped) return;
    dispose = ws.subscribe<{ events: UserEvent }>(
      { query: EVENTS, variables: { after: last === null ? null : last.toString() } },
      {
        next: ({ data }) => {
          const e = data?.events;
          if (!e) return;
          if (e.type === 'SERVER_SHUTDOWN') {
            // Its id is the last one this stream delivered: resume from there on the next connection.
            queueMicrotask(subscribe);
            return;
          }
          if (e.type === 'MAINTENANCE_MODE') {
            // Live only and never stored: its id repeats the last one delivered, so it passes without moving the cursor.
            onEvent(e);
            return;
          }
          const id = BigInt(e.id);
          if (last !== null && id <= last) return;
          last = id;
          onEvent(e);
        },
        error: () => setTimeout(subscribe, 1_000),
        complete: () => {},
      },
    );
  };
  // Start from the newest stored event so nothing between page load and the socket is missed.
  void client
    .query<{ notifications: { edges: { node: { id: string } }[] } }>(LATEST, {}, { requestPolicy: 'network-only' })
    .toPromise()
    .then((r) => {
      const id = r.data?.notifications.edges[0]?.node.id;
      if (id && last === null) last = BigInt(id);
      subscribe();
    });
  // A plain drop (no SERVER_SHUTDOWN) re-sends the original subscription; restart it from the cursor instead.
  const off = onSocketConnected((reconnect) => {
    if (reconnect && dispose) subscribe();
  });
  return () => {
    stopped = true;
    off();
    dispose?.();
  };
}

/** The message of a GraphQL error for a form, without urql's "[GraphQL] " prefix. */
export function errorText(
  err: { graphQLErrors?: { message: string }[]; message: string } | undefined | null,
): string | null {
  if (!err) return null;
  return err.graphQLErrors?.[0]?.message ?? err.message.replace(/^\[\w+\]\s*/, '');
}
