// MockMate's client for frontends (browser, bundled by Vite) and Node: urql
// over HTTP for queries and mutations, graphql-ws for subscriptions, with the
// wiring every client repeats. See client/README.md.
import {
  Client,
  cacheExchange,
  fetchExchange,
  subscriptionExchange,
  type Exchange,
  type RequestPolicy,
} from '@urql/core';
import { authExchange } from '@urql/exchange-auth';
import { persistedExchange } from '@urql/exchange-persisted';
import { print } from 'graphql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { EventsDocument, RefreshSessionDocument, type UserEventFieldsFragment } from './generated/graphql.js';

export * from './generated/graphql.js';
export { default as possibleTypes } from './generated/possible-types.js';

export interface Tokens {
  /** Access token (JWT, 15 minutes). */
  token: string;
  /** Single-use; exchanged by refreshSession for new tokens. */
  refreshToken: string;
}

/** Where the caller keeps the tokens (memory, localStorage…); the client reads and replaces them. */
export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

export interface CreateClientOptions {
  /** The HTTP endpoint, e.g. `https://api.example.com/graphql` or `/graphql` in a browser. */
  url: string;
  /** The WebSocket endpoint; by default `url` with ws(s):, resolved against the page in a browser. */
  wsUrl?: string;
  tokens: TokenStore;
  /** The session is gone (refresh refused, e.g. after logout elsewhere): tokens were cleared; sign in again. */
  onAuthLost?: () => void;
  fetch?: typeof fetch;
  /** A WebSocket class where there is no global one (Node < 22: `ws`). */
  webSocketImpl?: unknown;
  /** Refresh this long before the access token expires. Default 60 s. */
  refreshMarginSeconds?: number;
  /** Automatic persisted queries (hash first, query on PERSISTED_QUERY_NOT_FOUND), queries sent as GET. Default true. */
  persistedQueries?: boolean;
  /** urql's default request policy, e.g. `cache-and-network` for screens that show cached data while refetching. Default `cache-first`. */
  requestPolicy?: RequestPolicy;
}

export type UserEvent = UserEventFieldsFragment;

export interface SubscribeEventsOptions {
  /** Resume after this event id (replays what was stored since). Without it, live events only. */
  after?: string | null;
  /** The subscription failed for good (e.g. UNAUTHENTICATED). Reconnects are not errors. */
  onError?: (error: unknown) => void;
}

export interface MockMateClient {
  /** Queries and mutations over HTTP; subscriptions over the socket. */
  urql: Client;
  /** The graphql-ws client under `urql`'s subscriptions. */
  ws: WsClient;
  /**
   * The viewer's `events` stream, resumed from the last id received across
   * reconnects (SERVER_SHUTDOWN, network loss, 4403 with a fresh token), so
   * nothing is missed or repeated. SERVER_SHUTDOWN is passed on too. Returns unsubscribe.
   */
  subscribeEvents(onEvent: (event: UserEvent) => void, opts?: SubscribeEventsOptions): () => void;
  /** A valid access token, refreshed first if it expires within the margin; null when signed out. */
  accessToken(): Promise<string | null>;
  dispose(): Promise<void>;
}

/** Seconds since the epoch when the JWT expires, or null if it is not a JWT with `exp`. */
export function tokenExpiry(token: string): number | null {
  try {
    const part = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const { exp } = JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '='))) as {
      exp?: unknown;
    };
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

function defaultWsUrl(url: string): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  const u = new URL(url, base);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

const isUnauthenticated = (errors: readonly { extensions?: Record<string, unknown> }[] | undefined) =>
  (errors ?? []).some((e) => e.extensions?.['code'] === 'UNAUTHENTICATED');

export function createClient(options: CreateClientOptions): MockMateClient {
  const { tokens } = options;
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));
  const marginMs = (options.refreshMarginSeconds ?? 60) * 1000;
  let disposed = false;

  // One refresh at a time: every caller waiting on the same exchange of the single-use refresh token.
  let refreshing: Promise<Tokens | null> | null = null;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;

  function refresh(): Promise<Tokens | null> {
    refreshing ??= (async () => {
      const current = tokens.get();
      if (!current) return null;
      const res = await doFetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
        body: JSON.stringify({
          query: print(RefreshSessionDocument),
          variables: { refreshToken: current.refreshToken },
        }),
      });
      const body = (await res.json()) as {
        data?: { refreshSession?: Tokens } | null;
        errors?: { extensions?: Record<string, unknown> }[];
      };
      const next = body.data?.refreshSession;
      if (next) {
        const fresh = { token: next.token, refreshToken: next.refreshToken };
        tokens.set(fresh);
        schedule(fresh);
        return fresh;
      }
      // Refused (revoked, reused or expired refresh token): signed out. Anything else is a passing failure.
      if (isUnauthenticated(body.errors) || body.errors?.some((e) => e.extensions?.['code'] === 'BAD_USER_INPUT')) {
        tokens.set(null);
        options.onAuthLost?.();
        return null;
      }
      throw new Error(`refreshSession failed: ${JSON.stringify(body.errors ?? res.status)}`);
    })().finally(() => (refreshing = null));
    return refreshing;
  }

  const expiresSoon = (t: Tokens) => {
    const exp = tokenExpiry(t.token);
    return exp !== null && exp * 1000 - Date.now() < marginMs;
  };

  /** Keeps the token fresh while the app idles, so the next request or reconnect need not wait. */
  function schedule(t: Tokens) {
    clearTimeout(refreshTimer);
    const exp = tokenExpiry(t.token);
    if (exp === null || disposed) return;
    const delay = Math.max(0, exp * 1000 - Date.now() - marginMs);
    refreshTimer = setTimeout(() => void refresh().catch(() => {}), Math.min(delay, 2 ** 31 - 1));
    (refreshTimer as { unref?: () => void }).unref?.();
  }

  async function accessToken(): Promise<string | null> {
    const t = tokens.get();
    if (!t) return null;
    if (expiresSoon(t)) return (await refresh())?.token ?? null;
    return t.token;
  }

  const initial = tokens.get();
  if (initial) schedule(initial);

  // After a 4403 (token refused, session revoked) the next connection_init carries a refreshed token.
  let refreshBeforeConnect = false;
  // After SERVER_SHUTDOWN (and the 1001 close that follows) another instance is up: reconnect at once.
  let reconnectNow = false;
  const ws = createWsClient({
    url: options.wsUrl ?? defaultWsUrl(options.url),
    webSocketImpl: options.webSocketImpl,
    retryAttempts: Infinity,
    shouldRetry: () => !disposed,
    retryWait: async (retries) => {
      const ms = reconnectNow ? Math.random() * 500 : Math.min(30_000, 1000 * 2 ** retries) * (0.5 + Math.random() / 2);
      reconnectNow = false;
      await new Promise((resolve) => setTimeout(resolve, ms));
    },
    connectionParams: async () => {
      let token: string | null;
      if (refreshBeforeConnect) {
        refreshBeforeConnect = false;
        token = (await refresh().catch(() => null))?.token ?? null;
      } else {
        token = await accessToken().catch(() => tokens.get()?.token ?? null);
      }
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    on: {
      closed: (event) => {
        const code = (event as { code?: number }).code;
        if (code === 4403) refreshBeforeConnect = true;
        if (code === 1001) reconnectNow = true;
      },
    },
  });

  const exchanges: Exchange[] = [
    cacheExchange,
    authExchange(async (utils) => ({
      addAuthToOperation(operation) {
        const t = tokens.get();
        return t ? utils.appendHeaders(operation, { authorization: `Bearer ${t.token}` }) : operation;
      },
      willAuthError: () => {
        const t = tokens.get();
        return t !== null && expiresSoon(t);
      },
      didAuthError: (error) => tokens.get() !== null && isUnauthenticated(error.graphQLErrors),
      refreshAuth: async () => {
        await refresh().catch(() => {});
      },
    })),
  ];
  if (options.persistedQueries ?? true)
    exchanges.push(persistedExchange({ preferGetForPersistedQueries: 'within-url-limit' }));
  exchanges.push(
    fetchExchange,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
      }),
    }),
  );

  const urql = new Client({ url: options.url, fetch: options.fetch, exchanges, requestPolicy: options.requestPolicy });

  function subscribeEvents(onEvent: (event: UserEvent) => void, opts: SubscribeEventsOptions = {}) {
    let last = opts.after ?? null;
    // graphql-ws sends this same payload again on every reconnect; the getter makes
    // each resend ask for what came after the last event received.
    const variables = {
      get after() {
        return last;
      },
    };
    return ws.subscribe<{ events: UserEvent }>(
      { query: print(EventsDocument), variables },
      {
        next: (result) => {
          const event = result.data?.events;
          if (!event) {
            if (result.errors?.length) opts.onError?.(result.errors);
            return;
          }
          last = event.id;
          onEvent(event);
        },
        error: (error) => opts.onError?.(error),
        complete: () => {},
      },
    );
  }

  return {
    urql,
    ws,
    subscribeEvents,
    accessToken,
    async dispose() {
      disposed = true;
      clearTimeout(refreshTimer);
      await ws.dispose();
    },
  };
}
