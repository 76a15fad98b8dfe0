// The loose ends of the event contract, over two real instances:
// INSTANT_REQUEST_CANCELLED, PEER_LEFT from the sweep for a dead instance's
// session watchers, a USER_OFFLINE whose transaction failed is swept (never
// lost), and Query.notifications as UserEventConnection with last/before.
import { Redis } from 'ioredis';
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
import { REDIS_URL, type TestDatabase } from './support/db.js';
import { matchPair, registerUser, type TestUser } from './support/fixtures.js';
import { until } from './support/poll.js';
import { startTwoInstances, type TestServer, type TwoInstances } from './support/server.js';

// Two instances and a few argon2 sign-ups: slow on a loaded machine.
const BOOT_TIMEOUT_MS = 90_000;

const Events = graphql(`
  subscription LooseEvents($after: String) {
    events(after: $after) {
      id
      type
      payload
    }
  }
`);
const SetAvailability = graphql(`
  mutation LooseAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      id
    }
  }
`);
const Request = graphql(`
  mutation LooseRequest($input: InstantInterviewInput!) {
    requestInstantInterview(input: $input) {
      id
      status
    }
  }
`);
const CancelRequest = graphql(`
  mutation LooseCancel($requestId: ID!) {
    cancelInstantRequest(requestId: $requestId) {
      id
      status
    }
  }
`);
const Notifications = graphql(`
  query LooseNotifications($first: Int, $after: String, $last: Int, $before: String) {
    notifications(first: $first, after: $after, last: $last, before: $before) {
      __typename
      edges {
        __typename
        cursor
        node {
          id
          type
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`);

let stack: TwoInstances;
let db: TestDatabase;
let a: TestServer;
let b: TestServer;
let admin: TestUser;
const sockets: WsConnection[] = [];

beforeAll(async () => {
  stack = await startTwoInstances('loose-admin@example.com');
  ({ db, a, b, admin } = stack);
}, BOOT_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack.close();
}, BOOT_TIMEOUT_MS);

const ws = (server: TestServer, user: TestUser) => {
  const c = connectWs(server.wsUrl, user.token);
  sockets.push(c);
  return c;
};

type EventsSub = Subscription<{ events: { id: string; type: string; payload?: unknown } }>;
async function nextOfType(sub: EventsSub, type: string) {
  for (;;) {
    const e = (await sub.next(10_000)).data!.events;
    if (e.type === type) return e;
  }
}

it('cancelling an instant request tells the person asked (on the other instance) with INSTANT_REQUEST_CANCELLED', async () => {
  const [requester, asked] = [await registerUser(a.url, 'Req'), await registerUser(a.url, 'Asked')];
  const conn = await admitted(ws(b, asked));
  await ok(b.url, SetAvailability, { availability: 'AVAILABLE' }, { token: asked.token });
  const stream = subscribe(conn, Events, { after: '0' });
  const request = (
    await ok(
      a.url,
      Request,
      { input: { peerId: asked.id, type: 'TECHNICAL', difficulty: 'EASY' } },
      { token: requester.token },
    )
  ).requestInstantInterview;
  expect((await nextOfType(stream, 'INSTANT_REQUEST_RECEIVED')).payload).toMatchObject({ requestId: request.id });
  expect(
    (await ok(a.url, CancelRequest, { requestId: request.id }, { token: requester.token })).cancelInstantRequest.status,
  ).toBe('CANCELLED');
  expect((await nextOfType(stream, 'INSTANT_REQUEST_CANCELLED')).payload).toEqual({
    requestId: request.id,
    byUserId: requester.id,
  });
  const stored = await db.query<{ userId: string }>(
    `SELECT "userId" FROM "Event" WHERE type = 'INSTANT_REQUEST_CANCELLED' ORDER BY "userId"`,
  );
  expect(stored.map((r) => r.userId).sort()).toEqual([requester.id, asked.id].sort());
});

it('a watcher left behind by a dead instance gets PEER_LEFT from the sweep', async () => {
  const [x, y] = [await registerUser(a.url, 'X'), await registerUser(a.url, 'Y')];
  const { interviewId } = await matchPair(a.url, admin, x, y);
  const yStream = subscribe(ws(b, y), Events, { after: '0' });
  await nextOfType(yStream, 'MATCHED');
  // What a killed instance leaves in the registry: x's watching member, no longer refreshed (expired).
  const redis = new Redis(REDIS_URL);
  try {
    await redis.zadd(`presence:interview:${interviewId}:${x.id}`, Date.now() - 1, 'dead-instance:watch');
  } finally {
    redis.disconnect();
  }
  expect(await a.app.services.interviews.sweepStaleWatchers()).toBeGreaterThanOrEqual(1);
  const left = await nextOfType(yStream, 'PEER_LEFT');
  expect(left.payload).toEqual({ userId: x.id });
  // Announced once: the stale member is gone, a second sweep has nothing for this interview.
  await b.app.services.interviews.sweepStaleWatchers();
  expect(await a.app.infra.presence.count(watchKey(interviewId, x.id))).toBe(0);
  const peerLeft = await db.query(`SELECT 1 FROM "Event" WHERE "userId" = $1 AND type = 'PEER_LEFT'`, [y.id]);
  expect(peerLeft).toHaveLength(1);
});

it('a socket close whose USER_OFFLINE transaction fails is swept later, not lost', async () => {
  const [x, y] = [await registerUser(a.url, 'Xo'), await registerUser(a.url, 'Yo')];
  await matchPair(a.url, admin, x, y);
  const yStream = subscribe(ws(a, y), Events, { after: '0' });
  await nextOfType(yStream, 'MATCHED');
  const xConn = await admitted(ws(b, x));
  expect((await nextOfType(yStream, 'USER_ONLINE')).payload).toEqual({ userId: x.id });

  // The database refuses USER_OFFLINE rows while x's socket closes.
  await db.query(`
    CREATE FUNCTION refuse_offline() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.type = 'USER_OFFLINE' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$;
    CREATE TRIGGER refuse_offline BEFORE INSERT ON "Event" FOR EACH ROW EXECUTE FUNCTION refuse_offline();`);
  try {
    await xConn.dispose();
    await until(
      async () => (await b.app.infra.presence.inspect(`user:${x.id}`)).stale === 1,
      'the failed close left a stale member',
    );
    expect(await db.query(`SELECT 1 FROM "Event" WHERE "userId" = $1 AND type = 'USER_OFFLINE'`, [y.id])).toEqual([]);
  } finally {
    await db.query(`DROP TRIGGER refuse_offline ON "Event"; DROP FUNCTION refuse_offline();`);
  }
  expect(await b.app.services.userPresence.isOnline(x.id)).toBe(false);
  // The next sweep (on any instance) announces it.
  expect(await a.app.services.userPresence.sweepStale()).toBeGreaterThanOrEqual(1);
  expect((await nextOfType(yStream, 'USER_OFFLINE')).payload).toEqual({ userId: x.id });
});

it('notifications is a UserEventConnection, paged forward with first/after and backward with last/before', async () => {
  const u = await registerUser(a.url);
  for (const availability of ['AVAILABLE', 'BUSY', 'AVAILABLE', 'BUSY', 'AVAILABLE'] as const) {
    await ok(a.url, SetAvailability, { availability }, { token: u.token });
  }
  const page = async (vars: { first?: number; after?: string; last?: number; before?: string }) => {
    const n = (await ok(b.url, Notifications, vars, { token: u.token })).notifications;
    return {
      ids: n.edges.map((e) => e.node.id),
      cursors: n.edges.map((e) => e.cursor),
      typename: n.__typename,
      edge: n.edges[0]?.__typename,
      info: n.pageInfo,
    };
  };
  const first = await page({ first: 2 });
  expect(first).toMatchObject({
    ids: ['5', '4'],
    cursors: ['5', '4'],
    typename: 'UserEventConnection',
    edge: 'UserEventEdge',
  });
  expect(first.info).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: '5', endCursor: '4' });
  expect((await page({ first: 2, after: '4' })).ids).toEqual(['3', '2']);
  expect((await page({ first: 10, after: '2' })).info.hasNextPage).toBe(false);

  const oldest = await page({ last: 2 });
  expect(oldest.ids).toEqual(['2', '1']);
  expect(oldest.info).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: '2', endCursor: '1' });
  const back = await page({ last: 2, before: '2' });
  expect(back.ids).toEqual(['4', '3']);
  expect(back.info).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  expect((await page({ last: 5, before: '3' })).ids).toEqual(['5', '4']);
  expect((await page({ last: 5, before: '3' })).info.hasPreviousPage).toBe(false);

  expect(codes(await gql(b.url, Notifications, { first: 1, last: 1 }, { token: u.token }))).toEqual(['BAD_USER_INPUT']);
  expect(codes(await gql(b.url, Notifications, { last: 101 }, { token: u.token }))).toEqual(['BAD_USER_INPUT']);
  expect(codes(await gql(b.url, Notifications, { last: 1, before: 'x' }, { token: u.token }))).toEqual([
    'BAD_USER_INPUT',
  ]);
});
