// client/'s createClient against real servers: HTTP with persisted queries,
// the socket's authorization, refresh before expiry, a fresh token after 4403,
// `events` resumed across SERVER_SHUTDOWN on another instance, auth lost.
import { SignJWT, decodeJwt } from 'jose';
import WebSocket from 'ws';
import {
  LogoutDocument,
  MeDocument,
  RegisterDocument,
  SetAvailabilityDocument,
  createClient,
  type MockMateClient,
  type Tokens,
  type UserEvent,
} from '../client/index.js';
import { timedQueue } from './support/queue.js';
import { TEST_JWT_SECRET, startServer, startTestStack, type TestServer } from './support/server.js';

let stack: Awaited<ReturnType<typeof startTestStack>>;
const clients: MockMateClient[] = [];
const servers: TestServer[] = [];
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  for (const s of servers) await s.app.stop();
  await stack.close();
});

/** Every request the client made over HTTP, as method and body/query. */
function recordingFetch() {
  const requests: { method: string; url: string; body: string | null }[] = [];
  const f: typeof fetch = async (input, init) => {
    requests.push({
      method: init?.method ?? 'GET',
      url: input instanceof Request ? input.url : String(input),
      body: typeof init?.body === 'string' ? init.body : null,
    });
    return fetch(input, init);
  };
  return { f, requests };
}

function memoryTokens(initial: Tokens | null = null) {
  let current = initial;
  const history: (Tokens | null)[] = [];
  return {
    history,
    get: () => current,
    set: (t: Tokens | null) => {
      current = t;
      history.push(t);
    },
  };
}

function make(
  opts: Partial<Parameters<typeof createClient>[0]> & { tokens: ReturnType<typeof memoryTokens> },
  server: { url: string } = stack,
) {
  const c = createClient({ url: server.url, webSocketImpl: WebSocket, ...opts });
  clients.push(c);
  return c;
}

let n = 0;
async function signUp(client: MockMateClient, tokens: ReturnType<typeof memoryTokens>) {
  const email = `client${++n}-${Date.now()}@example.com`;
  const res = await client.urql
    .mutation(RegisterDocument, { input: { email, password: 'password123', name: `Cli ${n}` } })
    .toPromise();
  if (!res.data) throw new Error(JSON.stringify(res.error));
  tokens.set({ token: res.data.register.token, refreshToken: res.data.register.refreshToken });
  return { email, user: res.data.register.user };
}

const eventQueue = () => timedQueue<UserEvent>('event', 10_000);

/**
 * A live-only `events` stream hears only what happens after the server has set it up, which
 * 'connected' does not promise: toggles availability until the first AVAILABILITY_CHANGED arrives.
 */
async function firstAvailabilityEvent(
  events: ReturnType<typeof eventQueue>,
  set: (a: 'AVAILABLE' | 'BUSY') => Promise<unknown>,
) {
  for (let attempt = 0; ; attempt++) {
    await set(attempt % 2 ? 'BUSY' : 'AVAILABLE');
    try {
      return await events.next(2_000);
    } catch (err) {
      if (attempt >= 9) throw err;
    }
  }
}

it('queries and mutations go over HTTP with the token, as persisted queries sent by GET once registered', async () => {
  const tokens = memoryTokens();
  const { f, requests } = recordingFetch();
  const client = make({ tokens, fetch: f });
  const { user } = await signUp(client, tokens);

  const me = await client.urql.query(MeDocument, {}, { requestPolicy: 'network-only' }).toPromise();
  expect(me.data?.me).toMatchObject({ id: user.id, name: user.name });
  // The first time, the hash alone is unknown (GET), then the query is sent with it.
  const meRequests = requests.filter(
    (r) => r.url.includes('Me') || r.body?.includes('"Me"') || r.body?.includes('query Me'),
  );
  expect(meRequests[0]!.method).toBe('GET');
  expect(meRequests[0]!.url).toContain('persistedQuery');
  expect(meRequests[0]!.url).not.toContain('query=');

  // Registered now: the hash alone, by GET, runs it.
  requests.length = 0;
  const again = await client.urql.query(MeDocument, {}, { requestPolicy: 'network-only' }).toPromise();
  expect(again.data?.me?.id).toBe(user.id);
  expect(requests).toHaveLength(1);
  expect(requests[0]!.method).toBe('GET');
  expect(requests[0]!.url).not.toContain('query=');
});

it('refreshes the access token before it expires, once for concurrent callers', async () => {
  const tokens = memoryTokens();
  // A 15-minute token is always "about to expire" with a 16-minute margin.
  const client = make({ tokens, refreshMarginSeconds: 16 * 60 });
  const { user } = await signUp(client, tokens);
  const before = tokens.get()!;
  const [a, b] = await Promise.all([client.accessToken(), client.accessToken()]);
  expect(a).toBe(b);
  expect(tokens.get()!.refreshToken).not.toBe(before.refreshToken);
  const me = await client.urql.query(MeDocument, {}, { requestPolicy: 'network-only' }).toPromise();
  expect(me.data?.me?.id).toBe(user.id);
});

it('signs the socket in with the authorization param, and after a 4403 reconnects with a refreshed token', async () => {
  const setup = memoryTokens();
  const { user } = await signUp(make({ tokens: setup }), setup);
  const { sid } = decodeJwt(setup.get()!.token) as { sid: string };
  // Looks valid for an hour but is signed with another secret: the server closes 4403.
  const forged = await new SignJWT({ sid })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user.id)
    .setIssuer('mockmate')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('x'.repeat(64)));
  expect(TEST_JWT_SECRET).not.toBe('x'.repeat(64));
  const tokens = memoryTokens({ token: forged, refreshToken: setup.get()!.refreshToken });
  const client = make({ tokens });
  const closes: number[] = [];
  client.ws.on('closed', (e) => closes.push((e as { code: number }).code));

  const events = eventQueue();
  client.subscribeEvents(events.push);
  await new Promise<void>((resolve) => client.ws.on('connected', () => resolve()));
  expect(closes).toEqual([4403]);
  expect(tokens.get()!.token).not.toBe(forged);

  const set = (availability: string) =>
    fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get()!.token}` },
      body: JSON.stringify({ query: `mutation { setAvailability(availability: ${availability}) { id } }` }),
    });
  expect(await firstAvailabilityEvent(events, set)).toMatchObject({
    type: 'AVAILABILITY_CHANGED',
    data: { __typename: 'AvailabilityData', userId: user.id },
  });
});

it('resumes events after SERVER_SHUTDOWN from the last id, on the instance that answers next, missing nothing', async () => {
  const first = await startServer(stack.env);
  const port = Number(new URL(first.url).port);
  const tokens = memoryTokens();
  const client = make({ tokens }, first);
  await signUp(client, tokens);
  const events = eventQueue();
  const seen: UserEvent[] = [];
  client.subscribeEvents((e) => (seen.push(e), events.push(e)));
  await new Promise<void>((resolve) => client.ws.on('connected', () => resolve()));

  const setAvailability = (availability: 'AVAILABLE' | 'BUSY') =>
    client.urql.mutation(SetAvailabilityDocument, { availability }).toPromise();
  const before = await firstAvailabilityEvent(events, setAvailability);
  const flipped = (before.data as { availability?: string } | null)?.availability === 'BUSY' ? 'AVAILABLE' : 'BUSY';
  expect(before.type).toBe('AVAILABILITY_CHANGED');

  await first.app.stop();
  expect((await events.next()).type).toBe('SERVER_SHUTDOWN');
  // While no instance listens, an event is stored (written through the stack's instance).
  await fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get()!.token}` },
    body: JSON.stringify({ query: `mutation { setAvailability(availability: ${flipped}) { id } }` }),
  });
  // Another instance comes up where the client reconnects.
  const replacement = await startServer(stack.env, port);
  servers.push(replacement);
  const missed = await events.next(20_000);
  expect(missed).toMatchObject({ type: 'AVAILABILITY_CHANGED', data: { availability: flipped } });
  expect(BigInt(missed.id)).toBeGreaterThan(BigInt(before.id));
  // Nothing twice, and nothing between the last event before the stop and the one missed meanwhile.
  const ids = seen.filter((e) => e.type !== 'SERVER_SHUTDOWN' && e.type !== 'USER_ONLINE').map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.slice(-2)).toEqual([before.id, missed.id]);
});

it('after logout the socket closes 4403, refresh is refused: tokens cleared, onAuthLost called', async () => {
  const tokens = memoryTokens();
  let authLost!: () => void;
  const lost = new Promise<void>((resolve) => (authLost = resolve));
  const client = make({ tokens, onAuthLost: () => authLost() });
  await signUp(client, tokens);
  const connected = new Promise<void>((resolve) => client.ws.on('connected', () => resolve()));
  client.subscribeEvents(() => {});
  await connected;

  const closed = new Promise<number>((resolve) => client.ws.on('closed', (e) => resolve((e as { code: number }).code)));
  const out = await client.urql.mutation(LogoutDocument, {}).toPromise();
  expect(out.data?.logout).toBe(true);
  expect(await closed).toBe(4403);
  await lost;
  expect(tokens.get()).toBeNull();
});
