// Automatic persisted queries as Apollo and urql speak them: an unknown hash
// gets PERSISTED_QUERY_NOT_FOUND, the client resends with the query, and from
// then on the hash alone runs it, by POST or GET, on every instance (Redis).
import { createHash } from 'node:crypto';
import { connectWs, type WsConnection } from './support/client.js';
import { registerUser, type TestUser } from './support/fixtures.js';
import { startServer, startTestStack, type TestServer } from './support/server.js';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let other: TestServer;
let user: TestUser;
const sockets: WsConnection[] = [];
beforeAll(async () => {
  stack = await startTestStack();
  other = await startServer(stack.env);
  user = await registerUser(stack.url, 'Persisted');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await other.app.stop();
  await stack.close();
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
// Unique per test run, so a hash registered by an earlier run (Redis outlives it) is never found by accident.
const queryText = (tag: string) => `query Persisted${tag} { me { id name } } # ${Date.now()}-${Math.random()}`;
const ext = (query: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(query) } });

type Body = {
  data?: { me?: { id: string } | null } | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
};
const auth = () => ({ authorization: `Bearer ${user.token}` });

async function post(url: string, body: Record<string, unknown>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth() },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

async function get(url: string, params: Record<string, unknown>) {
  const search = new URLSearchParams(
    Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
  const res = await fetch(`${url}?${search}`, { headers: { accept: 'application/graphql-response+json', ...auth() } });
  return { status: res.status, body: (await res.json()) as Body };
}

it('an unknown hash gets PERSISTED_QUERY_NOT_FOUND; sent with its query it runs and is registered', async () => {
  const query = queryText('A');
  const miss = await post(stack.url, { extensions: ext(query) });
  expect(miss.status).toBe(200);
  expect(miss.body.errors?.map((e) => e.extensions?.['code'])).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  expect(miss.body.errors?.[0]?.message).toBe('PersistedQueryNotFound');

  const full = await post(stack.url, { query, extensions: ext(query) });
  expect(full.body).toEqual({ data: { me: { id: user.id, name: 'Persisted' } } });

  const hit = await post(stack.url, { extensions: ext(query) });
  expect(hit.body).toEqual(full.body);
});

it('a hash registered on one instance runs by GET on another', async () => {
  const query = queryText('B');
  expect((await get(other.url, { extensions: ext(query) })).body.errors?.[0]?.extensions?.['code']).toBe(
    'PERSISTED_QUERY_NOT_FOUND',
  );
  await post(stack.url, { query, extensions: ext(query) });
  const hit = await get(other.url, { extensions: ext(query) });
  expect(hit.status).toBe(200);
  expect(hit.body.data?.me?.id).toBe(user.id);
});

it('a query that does not match its hash is refused', async () => {
  const query = queryText('C');
  const res = await post(stack.url, { query, extensions: ext(`${query} `) });
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors?.map((e) => e.extensions?.['code'])).toEqual(['PERSISTED_QUERY_MISMATCH']);
});

it('works in single-instance mode (in-memory store) too', async () => {
  const solo = await startServer({ ...stack.env, REDIS_URL: undefined });
  try {
    const query = queryText('D');
    expect((await post(solo.url, { extensions: ext(query) })).body.errors?.[0]?.extensions?.['code']).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    await post(solo.url, { query, extensions: ext(query) });
    expect((await get(solo.url, { extensions: ext(query) })).body.data?.me?.id).toBe(user.id);
  } finally {
    await solo.app.stop();
  }
});

it('leaves graphql-ws alone: an operation with a persistedQuery extension and its query runs over the socket', async () => {
  const conn = connectWs(stack.wsUrl, user.token);
  sockets.push(conn);
  const query = queryText('E');
  const result = await new Promise<Body>((resolve, reject) => {
    conn.client.subscribe(
      { query, extensions: ext(query) },
      { next: (r) => resolve(r as Body), error: reject, complete: () => {} },
    );
  });
  expect(result).toEqual({ data: { me: { id: user.id, name: 'Persisted' } } });
});
