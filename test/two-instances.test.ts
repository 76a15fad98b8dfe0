// Two API instances on one database and one Redis, as behind the load balancer.
import { graphql } from './generated/gql.js';
import { admitted, codes, connectWs, gql, ok, subscribe, type WsConnection } from './support/client.js';
import { type TestDatabase } from './support/db.js';
import { book, createSlot, registerUser, type TestUser } from './support/fixtures.js';
import { until } from './support/poll.js';
import { startTwoInstances, type TestServer, type TwoInstances } from './support/server.js';

const Join = graphql(`
  mutation TwoJoin($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      id
      status
    }
  }
`);
const Pair = graphql(`
  mutation TwoPair($slotId: ID!) {
    pairWaitingRoom(slotId: $slotId) {
      id
      participants {
        user {
          id
        }
      }
    }
  }
`);
const Cancel = graphql(`
  mutation TwoCancel($bookingId: ID!) {
    cancelBooking(bookingId: $bookingId) {
      id
      status
    }
  }
`);
const Events = graphql(`
  subscription TwoEvents($after: String) {
    events(after: $after) {
      id
      type
      interview {
        id
      }
    }
  }
`);
const RoomEvents = graphql(`
  subscription TwoRoom($slotId: ID!) {
    waitingRoom(slotId: $slotId) {
      type
      waitingCount
    }
  }
`);
const TwoRegister = graphql(`
  mutation TwoRegister($input: RegisterInput!) {
    register(input: $input) {
      token
      refreshToken
      user {
        id
      }
    }
  }
`);
const TwoLogin = graphql(`
  mutation TwoLogin($input: LoginInput!) {
    login(input: $input) {
      token
    }
  }
`);
const TwoMe = graphql(`
  query TwoMe {
    me {
      id
    }
  }
`);
const TwoLogout = graphql(`
  mutation TwoLogout {
    logout
  }
`);
const TwoRefresh = graphql(`
  mutation TwoRefresh($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      token
      refreshToken
    }
  }
`);
const TwoRequestReset = graphql(`
  mutation TwoRequestReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);
const TwoReset = graphql(`
  mutation TwoReset($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) {
      token
    }
  }
`);
const Notifications = graphql(`
  query TwoNotifications {
    notifications(first: 1) {
      edges {
        node {
          id
        }
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
  stack = await startTwoInstances('admin2@example.com', { JOBS_ENABLED: 'true', MATCH_INTERVAL: '1 second' });
  ({ db, a, b, admin } = stack);
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack.close();
});

const ws = (server: TestServer, user: TestUser) => {
  const c = connectWs(server.wsUrl, user.token);
  sockets.push(c);
  return c;
};

it('a subscriber on one instance receives what a mutation on the other caused', async () => {
  const slot = await createSlot(a.url, admin, 60 * 24); // room closed: the match job leaves it alone
  const watcher = await registerUser(a.url);
  await book(a.url, watcher, slot.id, 'EASY');
  const mover = await registerUser(a.url);
  const booking = await book(a.url, mover, slot.id, 'EASY');
  const room = subscribe(ws(a, watcher), RoomEvents, { slotId: slot.id });
  // Room events are not stored, so the subscription must be live before the join: a round trip
  // through the other instance and the database gives it that time.
  expect((await ok(b.url, Notifications, {}, { token: watcher.token })).notifications.edges).toEqual([]);
  await db.query(
    `UPDATE "Slot" SET "startsAt" = now() + interval '5 minutes', "endsAt" = now() + interval '65 minutes' WHERE id = $1`,
    [slot.id],
  );
  await ok(b.url, Join, { bookingId: booking.id }, { token: mover.token });
  expect((await room.next()).data!.waitingRoom).toEqual({ type: 'JOIN_ROOM', waitingCount: 1 });
});

it('a client that reconnects to the other instance with `after` gets what it missed, once', async () => {
  const slot = await createSlot(a.url, admin, 60 * 24 * 2);
  const [u, p1, p2] = [await registerUser(a.url), await registerUser(a.url), await registerUser(a.url)];
  const [bu, b1, b2] = [
    await book(a.url, u, slot.id, 'EASY'),
    await book(a.url, p1, slot.id, 'EASY'),
    await book(a.url, p2, slot.id, 'EASY'),
  ];
  await db.query(
    `UPDATE "Slot" SET "startsAt" = now() + interval '5 minutes', "endsAt" = now() + interval '65 minutes' WHERE id = $1`,
    [slot.id],
  );

  const first = ws(a, u);
  const live = subscribe(first, Events, { after: '0' });
  await ok(a.url, Join, { bookingId: bu.id }, { token: u.token });
  await ok(a.url, Join, { bookingId: b1.id }, { token: p1.token });
  await ok(b.url, Pair, { slotId: slot.id }, { token: admin.token });
  const seen = (await live.next()).data!.events;
  expect(seen.type).toBe('MATCHED');

  await first.dispose();
  // While u is away: p1 cancels (u gets MATCH_CANCELLED) and u is paired with p2 (MATCHED).
  await ok(b.url, Cancel, { bookingId: b1.id }, { token: p1.token });
  await ok(a.url, Join, { bookingId: b2.id }, { token: p2.token });
  await ok(a.url, Pair, { slotId: slot.id }, { token: admin.token });

  const resumed = subscribe(ws(b, u), Events, { after: seen.id });
  const missed = [(await resumed.next()).data!.events, (await resumed.next()).data!.events];
  expect(missed.map((e) => e.type)).toEqual(['MATCH_CANCELLED', 'MATCHED']);
  expect(missed.map((e) => BigInt(e.id))).toEqual([BigInt(seen.id) + 1n, BigInt(seen.id) + 2n]);
  expect(resumed.pending()).toBe(0);
});

it('concurrent pairing on both instances never puts a booking in two interviews', async () => {
  const slot = await createSlot(a.url, admin, 60 * 24 * 3);
  const users = await Promise.all(Array.from({ length: 20 }, () => registerUser(a.url)));
  const levels = ['EASY', 'MEDIUM', 'HARD'] as const;
  const bookings = await Promise.all(users.map((u, i) => book(a.url, u, slot.id, levels[i % 3]!)));
  await db.query(
    `UPDATE "Slot" SET "startsAt" = now() + interval '5 minutes', "endsAt" = now() + interval '65 minutes' WHERE id = $1`,
    [slot.id],
  );
  await Promise.all(
    bookings.map((bk, i) => ok((i % 2 ? a : b).url, Join, { bookingId: bk.id }, { token: users[i]!.token })),
  );

  const runs = await Promise.all(
    Array.from({ length: 8 }, (_, i) => ok((i % 2 ? a : b).url, Pair, { slotId: slot.id }, { token: admin.token })),
  );
  const created = runs.flatMap((r) => r.pairWaitingRoom);
  const participants = created.flatMap((i) => i.participants.map((p) => p.user.id));
  // The scheduled job may have paired some too; count from the database.
  const rows = await db.query<{ userId: string; n: string }>(
    `SELECT p."userId", count(*) AS n FROM "InterviewParticipant" p JOIN "Interview" i ON i.id = p."interviewId"
     WHERE i."slotId" = $1 GROUP BY p."userId"`,
    [slot.id],
  );
  expect(rows).toHaveLength(20);
  expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
  expect(new Set(participants).size).toBe(participants.length);
  const [interviews] = await db.query<{ count: string }>(`SELECT count(*) FROM "Interview" WHERE "slotId" = $1`, [
    slot.id,
  ]);
  expect(Number(interviews!.count)).toBe(10);
});

it('the scheduled match job pairs open rooms, and each job exists once for both instances', async () => {
  const slot = await createSlot(a.url, admin, 5);
  const [x, y] = [await registerUser(a.url), await registerUser(a.url)];
  const stream = subscribe(ws(b, x), Events, { after: '0' });
  const [bx, by] = [await book(a.url, x, slot.id, 'HARD'), await book(a.url, y, slot.id, 'HARD')];
  await ok(a.url, Join, { bookingId: bx.id }, { token: x.token });
  await ok(b.url, Join, { bookingId: by.id }, { token: y.token });
  const matched = (await stream.next(15_000)).data!.events;
  expect(matched.type).toBe('MATCHED');
  const jobs = await db.query<{ name: string; n: string }>(
    `SELECT name, count(*) AS n FROM agenda_jobs GROUP BY name ORDER BY name`,
  );
  // Both instances called every() for each job; each is still one row.
  expect(jobs.length).toBeGreaterThanOrEqual(4);
  expect(jobs.every((j) => j.n === '1')).toBe(true);
  expect(jobs.map((j) => j.name)).toEqual(
    expect.arrayContaining(['expire-bookings', 'match-waiting-rooms', 'plan-slots', 'prune-events']),
  );
  const [interviews] = await db.query<{ count: string }>(`SELECT count(*) FROM "Interview" WHERE "slotId" = $1`, [
    slot.id,
  ]);
  expect(interviews!.count).toBe('1');
});

describe('a revoked session fails on the other instance as soon as it hears the revocation, though it had it cached', () => {
  let n = 0;
  const register = async () => {
    const email = `revoke${++n}-${Date.now()}@example.com`;
    const { register } = await ok(a.url, TwoRegister, { input: { email, password: 'password123', name: 'Rev' } });
    return { ...register, email };
  };
  /**
   * B answers `me` for the token: it has now cached the session. The socket it
   * also opens on B tells when B has heard a revocation: B closes it (4403) on
   * the same pub/sub message that drops the cached session.
   */
  const warmOnB = async (token: string, userId: string) => {
    expect((await ok(b.url, TwoMe, {}, { token })).me?.id).toBe(userId);
    const socket = await admitted(connectWs(b.wsUrl, token));
    sockets.push(socket);
    return socket;
  };
  const rejectedOnB = async (token: string, socketOnB: WsConnection) => {
    expect((await socketOnB.closed).code).toBe(4403);
    expect((await gql(b.url, TwoMe, {}, { token })).data?.me).toBeNull();
    const res = await gql(b.url, TwoLogout, {}, { token });
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.errors![0]!.message).toMatch(/no longer valid/);
  };

  it('logout', async () => {
    const u = await register();
    const onB = await warmOnB(u.token, u.user.id);
    expect(await ok(a.url, TwoLogout, {}, { token: u.token })).toEqual({ logout: true });
    await rejectedOnB(u.token, onB);
  });

  it('refresh-token reuse', async () => {
    const u = await register();
    const once = (await ok(a.url, TwoRefresh, { refreshToken: u.refreshToken })).refreshSession;
    // Rotated twice: the first token is past the grace that parallel refreshes of it would get.
    const rotated = (await ok(a.url, TwoRefresh, { refreshToken: once.refreshToken })).refreshSession;
    const onB = await warmOnB(rotated.token, u.user.id);
    expect(codes(await gql(a.url, TwoRefresh, { refreshToken: u.refreshToken }))).toEqual(['UNAUTHENTICATED']);
    await rejectedOnB(rotated.token, onB);
  });

  it('password reset, for every session of the user', async () => {
    const u = await register();
    const second = (await ok(a.url, TwoLogin, { input: { email: u.email, password: 'password123' } })).login;
    const [firstOnB, secondOnB] = await Promise.all([warmOnB(u.token, u.user.id), warmOnB(second.token, u.user.id)]);
    await ok(a.url, TwoRequestReset, { email: u.email });
    const [mail] = await until(
      () =>
        db
          .query<{ body: string }>(
            `SELECT body FROM "EmailOutbox" WHERE "to" = $1 AND body LIKE '%/reset-password?%'`,
            [u.email],
          )
          .then((rows) => rows.length > 0 && rows),
      'the reset email',
    );
    const token = /reset-password\?token=([\w-]+)/.exec(mail!.body)![1]!;
    const reset = (await ok(a.url, TwoReset, { token, newPassword: 'new password 1' })).resetPassword;
    await rejectedOnB(u.token, firstOnB);
    await rejectedOnB(second.token, secondOnB);
    await warmOnB(reset.token, u.user.id);
  });
});
