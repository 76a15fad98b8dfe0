// Resource limits an anonymous or signed-in client cannot exceed (issue 9, items 6–8):
// frame and body sizes, operations per socket, presence once per user, sockets and
// anonymous operations per address.
import WebSocket from 'ws';
import { watchKey } from '../src/services/interviews.js';
import { graphql } from './generated/gql.js';
import {
  admitted,
  codes,
  connectWs,
  gql,
  ok,
  subscribe,
  type Subscription,
  type WsConnection,
} from './support/client.js';
import { matchPair, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { until } from './support/poll.js';
import { startTestStack } from './support/server.js';

const Me = graphql(`
  query LimitsMe {
    me {
      id
    }
  }
`);
const Slots = graphql(`
  query LimitsSlots {
    slots {
      id
    }
  }
`);
const SetAvailability = graphql(`
  mutation LimitsAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      availability
    }
  }
`);
const Events = graphql(`
  subscription LimitsEvents {
    events {
      type
    }
  }
`);
const Session = graphql(`
  subscription LimitsSession($interviewId: ID!) {
    interviewSession(interviewId: $interviewId) {
      type
      message {
        body
      }
    }
  }
`);
const Send = graphql(`
  mutation LimitsSend($interviewId: ID!, $body: String!) {
    sendMessage(interviewId: $interviewId, body: $body) {
      id
    }
  }
`);

const MAX_BYTES = 4096;
const MAX_OPERATIONS = 5;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let admin: TestUser;
const sockets: WsConnection[] = [];
let addresses = 0;
/** A socket from `ip`, by default from an address of its own (the per-address caps are tested on purpose only). */
const ws = (token?: string, ip = `192.0.2.${++addresses}`) => {
  const c = connectWs(stack.wsUrl, token, { headers: { 'x-forwarded-for': ip } });
  sockets.push(c);
  return c;
};

beforeAll(async () => {
  stack = await startTestStack({
    ADMIN_EMAILS: 'limits-admin@example.com',
    HTTP_MAX_BODY_BYTES: String(MAX_BYTES),
    WS_MAX_MESSAGE_BYTES: String(MAX_BYTES),
    WS_MAX_OPERATIONS_PER_SOCKET: String(MAX_OPERATIONS),
    WS_MAX_SOCKETS_PER_ADDRESS: '4',
    WS_MAX_ANONYMOUS_SOCKETS_PER_ADDRESS: '2',
  });
  admin = await registerAdmin(stack.url, stack.db.url, 'limits-admin@example.com');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack?.close();
});

/** Takes a session subscription's events up to the first of `type`. */
type SessionSub = Subscription<{ interviewSession: { type: string; message?: { body: string | null } | null } }>;
async function nextOfType(sub: SessionSub, type: string, body?: string) {
  for (;;) {
    const e = (await sub.next()).data?.interviewSession;
    if (e?.type === type && (body === undefined || e.message?.body === body)) return;
  }
}

/**
 * Sends messages until every subscription has heard one: a subscription is live on the
 * server only some time after the client sends it, and nothing tells the client when.
 */
async function untilAllHear(subs: SessionSub[], send: (body: string) => Promise<unknown>) {
  let deaf = subs;
  for (let attempt = 1; deaf.length && attempt <= 10; attempt++) {
    const body = `hello ${attempt}`;
    await send(body);
    const heard = await Promise.all(
      deaf.map((s) =>
        nextOfType(s, 'MESSAGE_SENT', body).then(
          () => true,
          () => false,
        ),
      ),
    );
    deaf = deaf.filter((_, i) => !heard[i]);
  }
  expect(deaf).toHaveLength(0);
}

/** A raw graphql-transport-ws socket, acknowledged. */
async function rawSocket(): Promise<{ socket: WebSocket; closed: Promise<number>; messages: unknown[] }> {
  const socket = new WebSocket(stack.wsUrl, 'graphql-transport-ws');
  const messages: unknown[] = [];
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const acked = new Promise<void>((resolve) =>
    socket.on('message', (data) => {
      const msg = JSON.parse((data as Buffer).toString()) as { type: string };
      messages.push(msg);
      if (msg.type === 'connection_ack') resolve();
    }),
  );
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await acked;
  return { socket, closed, messages };
}

describe('huge WebSocket frames and HTTP bodies (item 6)', () => {
  it('closes a socket with 1009 when a frame exceeds WS_MAX_MESSAGE_BYTES, and serves one under it', async () => {
    const small = await rawSocket();
    const answered = new Promise((resolve) =>
      small.socket.on('message', (d) => (d as Buffer).toString().includes('"next"') && resolve(d)),
    );
    const padding = ' '.repeat(MAX_BYTES - 200);
    small.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ __typename ${padding}}` } }));
    expect(String(await answered)).toContain('"__typename":"Query"');

    const big = await rawSocket();
    big.socket.send(
      JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ __typename ${' '.repeat(MAX_BYTES)}}` } }),
    );
    expect(await big.closed).toBe(1009);
    small.socket.close();
  });

  it('answers a body over HTTP_MAX_BODY_BYTES with 413 and a body without a length with 411, both coded', async () => {
    const query = (pad: number) => JSON.stringify({ query: `{ __typename ${' '.repeat(pad)}}` });
    const post = (body: BodyInit, headers: Record<string, string> = {}) =>
      fetch(stack.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        duplex: 'half',
      } as RequestInit);

    const under = await post(query(MAX_BYTES - 100));
    expect(under.status).toBe(200);
    expect(await under.json()).toEqual({ data: { __typename: 'Query' } });

    const over = await post(query(MAX_BYTES));
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({
      errors: [{ message: expect.stringMatching(/at most 4096 bytes/), extensions: { code: 'BAD_USER_INPUT' } }],
    });

    const chunked = await post(
      new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(query(10)));
          c.close();
        },
      }),
    );
    expect(chunked.status).toBe(411);
    expect(((await chunked.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('operations per socket and presence (item 7)', () => {
  it('refuses operations past WS_MAX_OPERATIONS_PER_SOCKET with RATE_LIMITED and keeps the socket', async () => {
    const user = await registerUser(stack.url);
    const conn = await admitted(ws(user.token));
    const subs = Array.from({ length: MAX_OPERATIONS }, () => subscribe(conn, Events));
    // The server handles a socket's messages in order: the next operation is refused once these are tracked.
    const refused = subscribe(conn, Events);
    const result = await refused.next();
    expect(result.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    expect(result.errors?.[0]?.message).toMatch(/At most 5 operations/);

    // The socket stays; completing one makes room for the next (once the server has handled the complete).
    subs[0]!.stop();
    await until(async () => (await subscribe(conn, Slots).next()).data?.slots, 'room for one more operation');
    const next = subscribe(conn, Events);
    await ok(stack.url, SetAvailability, { availability: 'BUSY' }, { token: user.token });
    expect((await next.next()).data!.events.type).toBe('AVAILABILITY_CHANGED');
    for (const s of subs.slice(1)) expect((await s.next()).data!.events.type).toBe('AVAILABILITY_CHANGED');
    let open = true;
    void conn.closed.then(() => (open = false));
    expect(open).toBe(true);
  });

  it('counts repeated interviewSession subscriptions of one user once for presence', async () => {
    const [a, b] = [await registerUser(stack.url), await registerUser(stack.url)];
    const { interviewId } = await matchPair(stack.url, admin, a, b);
    const conns = [await admitted(ws(a.token)), await admitted(ws(a.token))];
    const subs = conns.flatMap((c) =>
      Array.from({ length: MAX_OPERATIONS }, () => subscribe(c, Session, { interviewId })),
    );
    // Every subscription delivering B's message proves each has recorded its presence.
    await untilAllHear(subs, (body) => ok(stack.url, Send, { interviewId, body }, { token: b.token }));
    expect(await stack.app.infra.presence.count(watchKey(interviewId, a.id))).toBe(1);

    for (const s of subs.slice(1)) s.stop();
    const watchB = subscribe(await admitted(ws(b.token)), Session, { interviewId });
    await ok(stack.url, Send, { interviewId, body: 'still here?' }, { token: b.token });
    await nextOfType(subs[0]!, 'MESSAGE_SENT', 'still here?');
    expect(await stack.app.infra.presence.count(watchKey(interviewId, a.id))).toBe(1);
    // The last one going is A leaving.
    subs[0]!.stop();
    await nextOfType(watchB, 'PEER_LEFT');
    expect(await stack.app.infra.presence.count(watchKey(interviewId, a.id))).toBe(0);
  });
});

describe('sockets and anonymous operations per address (item 8)', () => {
  it('closes anonymous sockets past the per-address cap with 4429, and refuses upgrades past the total cap with 429', async () => {
    const ip = '203.0.113.8';
    await admitted(ws(undefined, ip));
    await admitted(ws(undefined, ip));
    expect(await ws(undefined, ip).closed).toMatchObject({ code: 4429 });
    // Another address is counted on its own.
    await admitted(ws(undefined, '203.0.113.9'));

    // Signed-in sockets count towards the total only: two more fit, the fifth upgrade is refused.
    const user = await registerUser(stack.url);
    await admitted(ws(user.token, ip));
    await admitted(ws(user.token, ip));
    const refused = new WebSocket(stack.wsUrl, 'graphql-transport-ws', { headers: { 'x-forwarded-for': ip } });
    const status = await new Promise<number>((resolve, reject) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.once('open', () => reject(new Error('upgrade accepted')));
    });
    expect(status).toBe(429);
  });
});

describe('anonymous operations per address (item 8)', () => {
  let limited: Awaited<ReturnType<typeof startTestStack>>;
  beforeAll(async () => {
    limited = await startTestStack({ ANONYMOUS_OPERATIONS_PER_MINUTE: '4' });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('rate-limits anonymous operations per address over HTTP and WebSocket together; signed-in ones are not counted', async () => {
    const user = await registerUser(limited.url); // anonymous, from 127.0.0.1
    const ip = '198.51.100.7';
    for (let i = 0; i < 3; i++) await ok(limited.url, Slots, {}, { ip });
    const conn = connectWs(limited.wsUrl, undefined, { headers: { 'x-forwarded-for': ip } });
    sockets.push(conn);
    expect((await subscribe(conn, Slots).next()).data?.slots).toEqual([]);
    const overWs = await subscribe(conn, Slots).next();
    expect(overWs.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: expect.any(Number),
    });
    const overHttp = await gql(limited.url, Slots, {}, { ip });
    expect(codes(overHttp)).toEqual(['RATE_LIMITED']);
    expect(overHttp.errors![0]!.message).toMatch(/At most 4 operations per minute without signing in/);

    // Signed in from the same address, or anonymous from another: unaffected.
    expect((await ok(limited.url, Me, {}, { ip, token: user.token })).me?.id).toBe(user.id);
    expect((await ok(limited.url, Slots, {}, { ip: '198.51.100.8' })).slots).toEqual([]);
  });
});
