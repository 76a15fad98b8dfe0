// Apollo Client 4 for MockMate, with the same behaviour as client/'s createClient:
// HTTP (persisted queries by GET) for queries and mutations, graphql-ws for
// subscriptions, the token on both, refresh before expiry and on UNAUTHENTICATED,
// a fresh token after 4403, `events(after:)` resumed after reconnects.
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, Observable } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode, print } from 'graphql';
import { createClient } from 'graphql-ws';
import {
  EventsDocument,
  RefreshSessionDocument,
  possibleTypes,
  tokenExpiry,
  type TokenStore,
  type Tokens,
  type UserEvent,
} from '../../client/index.js';

export interface ApolloSetupOptions {
  url: string;
  wsUrl: string;
  tokens: TokenStore;
  onAuthLost?: () => void;
  webSocketImpl?: unknown;
}

/** SHA-256 in hex with Web Crypto (browsers and Node). */
async function sha256(text: string) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function createApolloClient({ url, wsUrl, tokens, onAuthLost, webSocketImpl }: ApolloSetupOptions) {
  // One refresh at a time: the refresh token is single-use.
  let refreshing: Promise<string | null> | null = null;
  const refresh = () =>
    (refreshing ??= (async () => {
      const current = tokens.get();
      if (!current) return null;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: print(RefreshSessionDocument),
          variables: { refreshToken: current.refreshToken },
        }),
      });
      const body = (await res.json()) as { data?: { refreshSession?: Tokens | null } | null };
      const next = body.data?.refreshSession;
      if (!next) {
        tokens.set(null);
        onAuthLost?.();
        return null;
      }
      tokens.set({ token: next.token, refreshToken: next.refreshToken });
      return next.token;
    })().finally(() => (refreshing = null)));
  const accessToken = async () => {
    const t = tokens.get();
    if (!t) return null;
    const exp = tokenExpiry(t.token);
    return exp !== null && exp * 1000 - Date.now() < 60_000 ? refresh() : t.token;
  };

  let refreshOnConnect = false;
  const ws = createClient({
    url: wsUrl,
    webSocketImpl,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    connectionParams: async () => {
      const token = refreshOnConnect ? await refresh() : await accessToken();
      refreshOnConnect = false;
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    on: { closed: (event) => void ((event as { code?: number }).code === 4403 && (refreshOnConnect = true)) },
  });

  const auth = new SetContextLink(async (prev) => {
    const token = await accessToken();
    return token
      ? { headers: { ...(prev.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` } }
      : {};
  });
  const retryAfterRefresh = new ErrorLink(({ error, operation, forward }) => {
    const unauthenticated =
      CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.['code'] === 'UNAUTHENTICATED');
    if (!unauthenticated || !tokens.get()) return;
    return new Observable<ApolloLink.Result>((observer) => {
      refresh().then(
        (token) => (token ? forward(operation).subscribe(observer) : observer.error(error)),
        (err) => observer.error(err),
      );
    });
  });
  const http = ApolloLink.from([
    retryAfterRefresh,
    auth,
    new PersistedQueryLink({ sha256, useGETForHashedQueries: true }),
    new HttpLink({ uri: url }),
  ]);
  const isSubscription = ({ query }: ApolloLink.Operation) => {
    const def = getMainDefinition(query);
    return def.kind === Kind.OPERATION_DEFINITION && def.operation === OperationTypeNode.SUBSCRIPTION;
  };

  const client = new ApolloClient({
    link: ApolloLink.split(isSubscription, new GraphQLWsLink(ws), http),
    cache: new InMemoryCache({ possibleTypes: possibleTypes.possibleTypes }),
  });

  /** The viewer's events; after every reconnect it resubscribes after the last id handled. */
  function subscribeEvents(onEvent: (event: UserEvent) => void, after: string | null = null) {
    let last = after;
    let sub = start();
    function start() {
      return client.subscribe({ query: EventsDocument, variables: { after: last } }).subscribe(({ data }) => {
        const event = data?.events;
        if (!event || (last !== null && event.type !== 'SERVER_SHUTDOWN' && BigInt(event.id) <= BigInt(last))) return;
        last = event.id;
        onEvent(event);
      });
    }
    const off = ws.on('connected', (_socket, _payload, wasRetry) => {
      if (!wasRetry) return;
      sub.unsubscribe();
      sub = start();
    });
    return () => {
      off();
      sub.unsubscribe();
    };
  }

  return { client, ws, subscribeEvents, dispose: () => ws.dispose() };
}
