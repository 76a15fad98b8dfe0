// Query.realtimeStats over two in-process instances on one Redis, with real
// sockets: counts follow sockets and subscriptions on both, per instance and in
// total; a stopped instance leaves the list. Plus the pure aggregation.
import { graphql } from './generated/gql.js';
import { codes, connectWs, gql, ok, subscribe, type WsConnection } from './support/client.js';
import { registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startServer, startTestStack, type TestServer } from './support/server.js';
import { Redis } from 'ioredis';
import { REDIS_URL } from './support/db.js';
import { aggregate, INSTANCE_REPORT_TTL_MS, type InstanceReport } from '../src/domain/realtime-stats.js';
import { createInstanceRegistry } from '../src/infra/instance-registry.js';

const Stats = graphql(`
  query RealtimeStats {
    realtimeStats {
      connections
      authenticatedConnections
      subscriptions
      onlineUsers
      at
      subscriptionsByField {
        field
        count
      }
      instances {
        id
        name
        connections
        authenticatedConnections
        subscriptions
        subscriptionsByField {
          field
          count
        }
        startedAt
        lastSeen
      }
    }
  }
`);
const Events = graphql(`
  subscription RealtimeStatsEvents {
    events {
      id
    }
  }
`);
const LiveStats = graphql(`
  subscription LiveRealtimeStats {
    realtimeStats {
      connections
      subscriptions
      onlineUsers
      subscriptionsByField {
        field
        count
      }
      instances {
        name
        connections
      }
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let other: TestServer;
let admin: TestUser;
const sockets: WsConnection[] = [];

beforeAll(async () => {
  stack = await startTestStack({ ADMIN_EMAILS: 'stats-admin@example.com', INSTANCE_NAME: 'a' });
  other = await startServer({ ...stack.env, INSTANCE_NAME: 'b' });
  admin = await registerAdmin(stack.url, stack.db.url, 'stats-admin@example.com');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await other.app.stop();
  await stack.close();
});

const stats = async () => (await ok(stack.url, Stats, {}, { token: admin.token })).realtimeStats;
type Stats = Awaited<ReturnType<typeof stats>>;
const shape = (s: Stats) => ({
  connections: s.connections,
  authenticated: s.authenticatedConnections,
  subscriptions: s.subscriptionsByField,
  onlineUsers: s.onlineUsers,
  perInstance: s.instances.map((i) => [i.name, i.connections, i.subscriptions]),
});

/** The other instance reports within a fraction of a second of a change: poll, bounded, until the counts match. */
async function expectStats(expected: ReturnType<typeof shape>) {
  const deadline = Date.now() + 5_000;
  let last = shape(await stats());
  while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    last = shape(await stats());
  }
  expect(last).toEqual(expected);
}

async function connect(server: { wsUrl: string }, user?: TestUser) {
  const conn = connectWs(server.wsUrl, user?.token);
  sockets.push(conn);
  await new Promise<void>((resolve) => conn.client.on('connected', () => resolve()));
  return conn;
}

it('counts sockets, subscriptions and online users on both instances as they come and go', async () => {
  await expectStats({
    connections: 0,
    authenticated: 0,
    subscriptions: [],
    onlineUsers: 0,
    perInstance: [
      ['a', 0, 0],
      ['b', 0, 0],
    ],
  });
  const [u, v] = [await registerUser(stack.url), await registerUser(stack.url)];
  const onA = await connect(stack, u);
  const onB = await connect(other, v);
  const anonymous = await connect(other);
  await expectStats({
    connections: 3,
    authenticated: 2,
    subscriptions: [],
    onlineUsers: 2,
    perInstance: [
      ['a', 1, 0],
      ['b', 2, 0],
    ],
  });

  const s1 = subscribe(onA, Events);
  const s2 = subscribe(onB, Events);
  await expectStats({
    connections: 3,
    authenticated: 2,
    subscriptions: [{ field: 'events', count: 2 }],
    onlineUsers: 2,
    perInstance: [
      ['a', 1, 1],
      ['b', 2, 1],
    ],
  });
  s2.stop();
  await expectStats({
    connections: 3,
    authenticated: 2,
    subscriptions: [{ field: 'events', count: 1 }],
    onlineUsers: 2,
    perInstance: [
      ['a', 1, 1],
      ['b', 2, 0],
    ],
  });
  s1.stop();
  await onB.dispose();
  await anonymous.dispose();
  await onA.dispose();
  await expectStats({
    connections: 0,
    authenticated: 0,
    subscriptions: [],
    onlineUsers: 0,
    perInstance: [
      ['a', 0, 0],
      ['b', 0, 0],
    ],
  });
});

it('drops an instance that stopped', async () => {
  const third = await startServer({ ...stack.env, INSTANCE_NAME: 'c' });
  await connect(third, await registerUser(stack.url));
  await expectStats({
    connections: 1,
    authenticated: 1,
    subscriptions: [],
    onlineUsers: 1,
    perInstance: [
      ['a', 0, 0],
      ['b', 0, 0],
      ['c', 1, 0],
    ],
  });
  await third.app.stop();
  await expectStats({
    connections: 0,
    authenticated: 0,
    subscriptions: [],
    onlineUsers: 0,
    perInstance: [
      ['a', 0, 0],
      ['b', 0, 0],
    ],
  });
});

it('ignores, and prunes, the row of an instance that stopped reporting without removing it (killed)', async () => {
  const redis = new Redis(REDIS_URL);
  try {
    const prefix = stack.env['REALTIME_STATS_PREFIX']!;
    const lastSeen = new Date(Date.now() - INSTANCE_REPORT_TTL_MS - 1_000).toISOString();
    await createInstanceRegistry(redis, prefix).report({
      ...{
        id: 'killed',
        name: 'killed',
        sockets: 7,
        authenticatedSockets: 7,
        subscriptions: [{ field: 'events', count: 7 }],
      },
      ...{ startedAt: lastSeen, lastSeen },
    });
    expect(await redis.hexists(`${prefix}instances`, 'killed')).toBe(1);
    expect(shape(await stats())).toEqual({
      connections: 0,
      authenticated: 0,
      subscriptions: [],
      onlineUsers: 0,
      perInstance: [
        ['a', 0, 0],
        ['b', 0, 0],
      ],
    });
    expect(await redis.hexists(`${prefix}instances`, 'killed')).toBe(0);
  } finally {
    await redis.quit();
  }
});

it('is for admins: FORBIDDEN for users, UNAUTHENTICATED when signed out', async () => {
  const user = await registerUser(stack.url);
  expect(codes(await gql(stack.url, Stats, {}, { token: user.token }))).toEqual(['FORBIDDEN']);
  expect(codes(await gql(stack.url, Stats, {}))).toEqual(['UNAUTHENTICATED']);
});

describe('Subscription.realtimeStats', () => {
  it('pushes the totals at once, then again when a socket or subscription on another instance changes them', async () => {
    const watcher = await connect(stack, admin);
    const live = subscribe(watcher, LiveStats);
    // Reads until the pushed totals match: each instance's heartbeat pushes too.
    async function until(
      match: (s: NonNullable<Awaited<ReturnType<typeof live.next>>['data']>['realtimeStats']) => boolean,
    ) {
      for (;;) {
        const r = await live.next(10_000);
        expect(r.errors).toBeUndefined();
        if (match(r.data!.realtimeStats)) return r.data!.realtimeStats;
      }
    }
    const first = await live.next();
    expect(first.data!.realtimeStats.instances.map((i) => i.name)).toEqual(['a', 'b']);
    await until((s) => s.subscriptionsByField.some((f) => f.field === 'realtimeStats' && f.count === 1));

    const user = await registerUser(stack.url);
    const onB = await connect(other, user);
    const s = await until((t) => t.instances.find((i) => i.name === 'b')?.connections === 1);
    expect(s.onlineUsers).toBe(2);
    await onB.dispose();
    await until((t) => t.instances.find((i) => i.name === 'b')?.connections === 0);
    live.stop();
    await watcher.dispose();
  });

  it('is for admins: FORBIDDEN for users', async () => {
    const user = await registerUser(stack.url);
    const conn = await connect(stack, user);
    const r = await subscribe(conn, LiveStats).next();
    expect(r.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    await conn.dispose();
  });
});

describe('aggregate', () => {
  const row = (over: Partial<InstanceReport>): InstanceReport => ({
    id: 'x',
    name: 'x',
    sockets: 0,
    authenticatedSockets: 0,
    subscriptions: [],
    startedAt: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
    ...over,
  });
  it('adds up fresh rows only, by field, leaving out fields with nothing active', () => {
    const now = new Date('2026-01-01T00:00:10.000Z');
    const totals = aggregate(
      [
        row({
          id: '2',
          name: 'b',
          sockets: 3,
          authenticatedSockets: 2,
          subscriptions: [
            { field: 'events', count: 2 },
            { field: 'me', count: 0 },
          ],
        }),
        row({
          id: '1',
          name: 'a',
          sockets: 1,
          authenticatedSockets: 1,
          subscriptions: [
            { field: 'waitingRoom', count: 1 },
            { field: 'events', count: 1 },
          ],
        }),
        row({ id: '3', name: 'killed', sockets: 9, lastSeen: '2025-12-31T23:59:54.000Z' }),
      ],
      now,
      15_000,
    );
    expect(totals.instances.map((i) => i.name)).toEqual(['a', 'b']);
    expect(totals).toMatchObject({ connections: 4, authenticatedConnections: 3, subscriptions: 4 });
    expect(totals.subscriptionsByField).toEqual([
      { field: 'events', count: 3 },
      { field: 'waitingRoom', count: 1 },
    ]);
  });
});
