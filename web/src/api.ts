// The web app's link to the MockMate API: client/'s createClient (urql over
// HTTP, graphql-ws for subscriptions, token refresh, 4403 and `events(after:)`
// resume) with one client per signed-in identity, and the signed-in session,
// kept per tab. Screens use the typed documents of client/operations, re-exported here.
import { createClient, type MockMateClient, type Tokens, type UserFieldsFragment } from '../../client/index';

export * from '../../client/index';

export type Me = Pick<UserFieldsFragment, 'id' | 'name' | 'email' | 'role'>;

export interface Stored extends Tokens {
  user: Me;
}

// Per tab (sessionStorage): two windows of one browser can be two people trying the app.
const KEY = 'mockmate.session';
let session: Stored | null = read();
const authListeners = new Set<(me: Me | null) => void>();
const apiListeners = new Set<(api: MockMateClient) => void>();
const connectedListeners = new Set<(reconnect: boolean) => void>();

function read(): Stored | null {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Stored | null;
  } catch {
    return null;
  }
}

function persist(next: Stored | null) {
  session = next;
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
}

export function currentUser(): Me | null {
  return session?.user ?? null;
}

export function onAuthChange(fn: (me: Me | null) => void): () => void {
  authListeners.add(fn);
  return () => authListeners.delete(fn);
}

/** Signs in (tokens and user from login, register, resetPassword) or out (null). */
export function setSession(next: Stored | null) {
  const userChanged = next?.user.id !== session?.user.id;
  persist(next ? { token: next.token, refreshToken: next.refreshToken, user: next.user } : null);
  if (userChanged) {
    // A new identity needs a new socket (its connection_init carries the token) and a clean cache.
    void api.dispose();
    api = makeApi();
    for (const fn of apiListeners) fn(api);
    for (const fn of authListeners) fn(next?.user ?? null);
  }
}

function makeApi(): MockMateClient {
  const owner = session?.user.id ?? null;
  const client = createClient({
    url: '/graphql',
    requestPolicy: 'cache-and-network',
    tokens: {
      get: () => (session && session.user.id === owner ? session : null),
      // Refreshed tokens replace the stored ones; a late refresh of a previous identity's client is dropped.
      set: (tokens) => {
        if (tokens && session && session.user.id === owner) persist({ ...session, ...tokens });
      },
    },
    // The refresh token was refused (logged out elsewhere, password reset): back to the sign-in page.
    onAuthLost: () => {
      if (session?.user.id === owner) setSession(null);
    },
  });
  let connections = 0;
  client.ws.on('connected', () => {
    const reconnect = connections++ > 0;
    if (client === api) for (const fn of connectedListeners) fn(reconnect);
  });
  return client;
}

let api = makeApi();

/** The client of the signed-in identity (anonymous when signed out); replaced when the identity changes. */
export const currentApi = () => api;

export function onApiChange(fn: (api: MockMateClient) => void): () => void {
  apiListeners.add(fn);
  return () => apiListeners.delete(fn);
}

/** Called on every (re)connection of the current socket; `reconnect` is true after a drop or a server restart. */
export function onSocketConnected(fn: (reconnect: boolean) => void): () => void {
  connectedListeners.add(fn);
  return () => connectedListeners.delete(fn);
}

/** The message of a GraphQL error for a form, without urql's "[GraphQL] " prefix. */
export function errorText(
  err: { graphQLErrors?: { message: string }[]; message: string } | undefined | null,
): string | null {
  if (!err) return null;
  return err.graphQLErrors?.[0]?.message ?? err.message.replace(/^\[\w+\]\s*/, '');
}
