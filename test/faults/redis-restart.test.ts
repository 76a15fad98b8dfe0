// Redis dies under live subscriptions and comes back on the same port: the
// server stays up, says so on /ready, keeps storing events, and delivery resumes.
import { graphql } from '../generated/gql.js';
import { codes, connectWs, gql, ok, subscribe, type WsConnection } from '../support/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { book, createSlot, registerAdmin, registerUser, type TestUser } from '../support/fixtures.js';
import { probe, readyTurns, until } from '../support/poll.js';
import { privateRedis, type PrivateRedis } from '../support/private-redis.js';
import { startServer, testEnv, type TestServer } from '../support/server.js';

const SetAvailability = graphql(`
  mutation RedisFaultAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      availability
    }
  }
`);
const Events = graphql(`
  subscription RedisFaultEvents($after: String) {
    events(after: $after) {
      id
      type
    }
  }
`);
const Room = graphql(`
  subscription RedisFaultRoom($slotId: ID!) {
    waitingRoom(slotId: $slotId) {
      type
      waitingCount
    }
  }
`);
const Join = graphql(`
  mutation RedisFaultJoin($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      status
    }
  }
`);
const Leave = graphql(`
  mutation RedisFaultLeave($bookingId: ID!) {
    leaveWaitingRoom(bookingId: $bookingId) {
      status
    }
  }
`);
const Login = graphql(`
  mutation RedisFaultLogin($input: LoginInput!) {
    login(input: $input) {
      token
    }
  }
`);
const Me = graphql(`
  query RedisFaultMe {
    me {
      id
      name
    }
  }
`);
const MeOnline = graphql(`
  query RedisFaultMeOnline {
    me {
      id
      online
    }
  }
`);
const RedisLogin = graphql(`
  mutation RedisFaultLogin($input: LoginInput!) {
    login(input: $input) {
      token
    }
  }
`);

let redis: PrivateRedis;
let db: TestDatabase;
let server: TestServer;
let base: string;
let admin: TestUser;
const sockets: WsConnection[] = [];

beforeAll(async () => {
  redis = await privateRedis();
  await redis.start();
  db = await createTestDatabase();
  server = await startServer(testEnv(db, { REDIS_URL: redis.url, ADMIN_EMAILS: 'redis-admin@example.com' }));
  base = server.app.url();
  admin = await registerAdmin(server.url, db.url, 'redis-admin@example.com');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  // Redis back first, so the server's close does not wait on a dead connection.
  await redis.start().catch(() => {});
  await server?.app.stop();
  await redis.stop();
  await db?.drop();
});

const ws = (user: TestUser) => {
  const c = connectWs(server.wsUrl, user.token);
  sockets.push(c);
  return c;
};

const storedIds = async (userId: string) =>
  (await db.query<{ seq: string }>(`SELECT seq::text FROM "Event" WHERE "userId" = $1 ORDER BY seq`, [userId])).map(
    (r) => r.seq,
  );

/** No stack, no SQL, no internals: a coded error a client can act on. */
const expectCleanErrors = (errors: { message: string; extensions?: Record<string, unknown> }[] = []) => {
  for (const e of errors) {
    expect(e.extensions?.['code']).toEqual(expect.any(String));
    expect(e.message).not.toMatch(/redis|ECONN|\bat \w|127\.0\.0\.1/i);
  }
};

it('survives a Redis outage: ready says so, events are stored, delivery resumes within 5 s of Redis coming back, a resume misses nothing', async () => {
  const user = await registerUser(server.url, 'Watcher');
  const mover = await registerUser(server.url, 'Mover');
  const slot = await createSlot(server.url, admin, 5); // room open now
  const booking = await book(server.url, mover, slot.id, 'EASY');
  await book(server.url, user, slot.id, 'EASY'); // only those booked may watch the room

  const conn = ws(user);
  const live = subscribe(conn, Events, { after: '0' });
  const room = subscribe(conn, Room, { slotId: slot.id });
  // Live before the outage: both subscriptions deliver.
  await ok(server.url, SetAvailability, { availability: 'BUSY' }, { token: user.token });
  const before = (await live.next()).data!.events;
  expect(before.type).toBe('AVAILABILITY_CHANGED');
  await ok(server.url, Join, { bookingId: booking.id }, { token: mover.token });
  expect((await room.next()).data!.waitingRoom).toEqual({ type: 'JOIN_ROOM', waitingCount: 1 });

  await redis.stop();
  const notReady = await readyTurns(base, 503);
  expect(notReady.body.checks).toEqual({ database: 'ok', redis: 'down' });
  expect((await probe(base, '/health')).status).toBe(200);

  // What needs only PostgreSQL still works, and promptly.
  const started = Date.now();
  for (const availability of ['AVAILABLE', 'BUSY', 'AVAILABLE'] as const) {
    expect(
      (await ok(server.url, SetAvailability, { availability }, { token: user.token })).setAvailability.availability,
    ).toBe(availability);
  }
  expect((await ok(server.url, Me, {}, { token: user.token })).me!.name).toBe('Watcher');
  // Sign-in throttling falls back to this instance's own counters: a login works, a wrong password is refused.
  expect((await ok(server.url, Login, { input: { email: user.email, password: 'password123' } })).login.token).toEqual(
    expect.any(String),
  );
  expect(codes(await gql(server.url, Login, { input: { email: user.email, password: 'wrong-password' } }))).toEqual([
    'UNAUTHENTICATED',
  ]);
  expect(Date.now() - started).toBeLessThan(5_000);
  // Presence lives in Redis: answered or refused with a code, never hanging.
  const online = await gql(server.url, MeOnline, {}, { token: user.token });
  expectCleanErrors(online.errors);
  if (!online.errors) expect(online.data!.me!.online).toBe(true);
  // Realtime needs Redis: a new signed-in socket is refused at once with 1013 (try again later), not left hanging.
  const refused = connectWs(server.wsUrl, user.token);
  sockets.push(refused);
  expect(await refused.closed).toEqual({ code: 1013, reason: 'Temporarily unavailable; try again later' });
  // Events of the outage are stored (3 availability changes), not delivered yet.
  const stored = await storedIds(user.id);
  expect(stored).toEqual([before.id, ...[1n, 2n, 3n].map((n) => String(BigInt(before.id) + n))]);
  expect(live.pending()).toBe(0);

  await redis.start();
  const back = Date.now();
  await readyTurns(base, 200);
  // Room events are not stored, so poke the room until one arrives live: that is delivery resuming.
  let inRoom = true;
  await until(
    async () => {
      inRoom = !inRoom;
      const vars = { bookingId: booking.id };
      await (inRoom
        ? ok(server.url, Join, vars, { token: mover.token })
        : ok(server.url, Leave, vars, { token: mover.token }));
      return room.next(250).then(
        () => true,
        () => false,
      );
    },
    'room delivery resuming',
    5_000,
    0,
  );
  const resumedAfterMs = Date.now() - back;
  expect(resumedAfterMs).toBeLessThan(5_000);

  // The same live stream: the next event arrives, preceded by the three it missed, each once.
  await ok(server.url, SetAvailability, { availability: 'BUSY' }, { token: user.token });
  const after = [];
  for (let i = 0; i < 4; i++) after.push((await live.next()).data!.events);
  expect(after.map((e) => e.id)).toEqual((await storedIds(user.id)).slice(1));
  expect(live.pending()).toBe(0);

  // A client that lost its socket during the outage resumes from its last seen id.
  const resumed = subscribe(ws(user), Events, { after: before.id });
  const replay = [];
  for (let i = 0; i < 4; i++) replay.push((await resumed.next()).data!.events);
  expect(replay.map((e) => e.id)).toEqual(after.map((e) => e.id));
  await ok(server.url, SetAvailability, { availability: 'AVAILABLE' }, { token: user.token });
  const next = (await resumed.next()).data!.events;
  expect(next.id).toBe(String(BigInt(before.id) + 5n));
  expect(resumed.pending()).toBe(0);
}, 60_000);

it('while Redis is down, sign-in limits still hold on the instance (in memory), and the owner signs in from another address', async () => {
  const email = `redis-limits-${Date.now()}@example.com`;
  await registerUser(server.url, 'Limited', email);
  await redis.stop();
  await readyTurns(base, 503);
  try {
    for (let i = 0; i < 10; i++) {
      expect(
        codes(await gql(server.url, RedisLogin, { input: { email, password: 'wrong password' } }, { ip: '10.77.0.1' })),
      ).toEqual(['UNAUTHENTICATED']);
    }
    expect(
      codes(await gql(server.url, RedisLogin, { input: { email, password: 'password123' } }, { ip: '10.77.0.1' })),
    ).toEqual(['RATE_LIMITED']);
    expect(
      (await gql(server.url, RedisLogin, { input: { email, password: 'password123' } }, { ip: '10.77.0.2' })).errors,
    ).toBeUndefined();
  } finally {
    await redis.start();
    await readyTurns(base, 200);
  }
}, 60_000);
