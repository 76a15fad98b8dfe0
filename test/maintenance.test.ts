// Maintenance mode over two real instances on one database and one Redis:
// the switch reaches both (refusals and MAINTENANCE_MODE on every open
// `events` stream) within a second, survives restarts, MAINTENANCE=true turns
// it on at boot, and the jobs neither pair nor penalise anyone meanwhile.
import { graphql } from './generated/gql.js';
import { codes, connectWs, gql, ok, subscribe, type Subscription, type WsConnection } from './support/client.js';
import { type TestDatabase } from './support/db.js';
import { book, createSlot, matchPair, registerUser, type TestUser } from './support/fixtures.js';
import { probe } from './support/poll.js';
import {
  startServer,
  startTestStack,
  startTwoInstances,
  type TestServer,
  type TwoInstances,
} from './support/server.js';

// Two instances and a few argon2 sign-ups: slow on a loaded machine.
const BOOT_TIMEOUT_MS = 90_000;

const Maintenance = graphql(`
  query MaintState {
    maintenance {
      enabled
      message
      since
    }
  }
`);
const SetMaintenance = graphql(`
  mutation MaintSet($enabled: Boolean!, $message: String) {
    setMaintenance(enabled: $enabled, message: $message) {
      enabled
      message
      since
    }
  }
`);
const Events = graphql(`
  subscription MaintEvents($after: String) {
    events(after: $after) {
      id
      type
      payload
    }
  }
`);
const SetAvailability = graphql(`
  mutation MaintAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      availability
    }
  }
`);
const Login = graphql(`
  mutation MaintLogin($input: LoginInput!) {
    login(input: $input) {
      token
      refreshToken
    }
  }
`);
const Refresh = graphql(`
  mutation MaintRefresh($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      token
    }
  }
`);
const Logout = graphql(`
  mutation MaintLogout {
    logout
  }
`);
const Me = graphql(`
  query MaintMe {
    me {
      id
    }
  }
`);
const Join = graphql(`
  mutation MaintJoin($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      id
    }
  }
`);
const Register = graphql(`
  mutation MaintRegister($input: RegisterInput!) {
    register(input: $input) {
      token
    }
  }
`);

let stack: TwoInstances;
let db: TestDatabase;
let a: TestServer;
let b: TestServer;
let admin: TestUser;
let servers: TestServer[];
const sockets: WsConnection[] = [];
let env: NodeJS.ProcessEnv;
/** U1's stream on A, open from the switch on to the switch off. */
let onA: Awaited<ReturnType<typeof liveEvents>>;
let p: TestUser;
let q: TestUser;

beforeAll(async () => {
  // A runs the jobs (for runNow); B only serves.
  stack = await startTwoInstances('maint-admin@example.com', { MATCH_INTERVAL: '1 hour' }, { JOBS_ENABLED: 'true' });
  ({ db, env, a, b, admin, servers } = stack);
  // Registering is a mutation: the users who act while maintenance is on exist beforehand.
  [p, q] = [await registerUser(a.url, 'P'), await registerUser(a.url, 'Q')];
}, BOOT_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack.close();
}, BOOT_TIMEOUT_MS);

const ws = (server: TestServer, user: TestUser | null) => {
  const c = connectWs(server.wsUrl, user?.token);
  sockets.push(c);
  return c;
};

/** An `events` stream known to be live: a stored event produced after subscribing has come through. */
async function liveEvents(server: TestServer, user: TestUser) {
  const sub = subscribe(ws(server, user), Events, { after: '0' });
  await ok(server.url, SetAvailability, { availability: 'BUSY' }, { token: user.token });
  let last;
  do last = (await sub.next()).data!.events;
  while (last.type !== 'AVAILABILITY_CHANGED');
  return { sub, lastId: last.id };
}

async function nextOfType(
  sub: Subscription<{ events: { id: string; type: string; payload?: unknown } }>,
  type: string,
) {
  for (;;) {
    const e = (await sub.next()).data!.events;
    if (e.type === type) return e;
  }
}

it('is public, off by default, and only admins switch it', async () => {
  expect((await ok(b.url, Maintenance)).maintenance).toEqual({ enabled: false, message: null, since: null });
  const user = await registerUser(a.url);
  expect(codes(await gql(a.url, SetMaintenance, { enabled: true }, { token: user.token }))).toEqual(['FORBIDDEN']);
  expect(codes(await gql(a.url, SetMaintenance, { enabled: true }))).toEqual(['UNAUTHENTICATED']);
  expect(
    codes(await gql(a.url, SetMaintenance, { enabled: true, message: 'x'.repeat(501) }, { token: admin.token })),
  ).toEqual(['BAD_USER_INPUT']);
  expect((await ok(b.url, Maintenance)).maintenance.enabled).toBe(false);
});

it(
  'switched on: every open events stream on both instances hears it within a second, and both refuse mutations',
  async () => {
    const [u1, u2] = [await registerUser(a.url, 'U1'), await registerUser(a.url, 'U2')];
    onA = await liveEvents(a, u1);
    const onB = await liveEvents(b, u2);

    // Each stream's arrival time, taken as it arrives.
    const heard = Promise.all(
      [onA, onB].map((s) => nextOfType(s.sub, 'MAINTENANCE_MODE').then((e) => ({ e, at: Date.now() }))),
    );
    const set = (
      await ok(a.url, SetMaintenance, { enabled: true, message: 'Upgrading the database' }, { token: admin.token })
    ).setMaintenance;
    expect(set).toMatchObject({ enabled: true, message: 'Upgrading the database' });
    const arrivals = await heard;
    // `since` is when the switch was made (this machine's clock, as the test's).
    for (const { at } of arrivals) expect(at - Date.parse(set.since!)).toBeLessThan(1_000);
    const [eA, eB] = arrivals.map((h) => h.e);
    for (const [e, lastId] of [
      [eA!, onA.lastId],
      [eB!, onB.lastId],
    ] as const) {
      expect(e.payload).toEqual({ enabled: true, message: 'Upgrading the database', since: set.since });
      // Live-only: its id is the stream's last id, and nothing was stored.
      expect(e.id).toBe(lastId);
    }
    const stored = await db.query(`SELECT 1 FROM "Event" WHERE type = 'MAINTENANCE_MODE'`);
    expect(stored).toEqual([]);

    // B heard it (its stream got the event): its mutations are refused now, over HTTP and WebSocket.
    const refused = await gql(b.url, SetAvailability, { availability: 'AVAILABLE' }, { token: u2.token });
    expect(codes(refused)).toEqual(['MAINTENANCE']);
    expect(refused.errors![0]!.message).toBe('Upgrading the database');
    expect(refused.errors![0]!.extensions!['since']).toBe(set.since);
    const overWs = await subscribe(ws(b, u2), SetAvailability, { availability: 'AVAILABLE' }).next();
    expect(overWs.errors?.map((e) => e.extensions?.['code'])).toEqual(['MAINTENANCE']);
    expect(
      codes(
        await gql(a.url, Register, { input: { email: 'late@example.com', password: 'password123', name: 'Late' } }),
      ),
    ).toEqual(['MAINTENANCE']);

    // Signing in and out, and queries, keep working; /ready stays 200.
    const login = (await ok(b.url, Login, { input: { email: u1.email, password: 'password123' } })).login;
    expect((await ok(b.url, Refresh, { refreshToken: login.refreshToken })).refreshSession.token).toBeTruthy();
    expect((await ok(b.url, Me, {}, { token: u1.token })).me!.id).toBe(u1.id);
    expect((await ok(b.url, Logout, {}, { token: login.token })).logout).toBe(true);
    expect((await ok(b.url, Maintenance)).maintenance).toEqual({
      enabled: true,
      message: 'Upgrading the database',
      since: set.since,
    });
    for (const s of [a, b]) expect((await probe(s.url.replace('/graphql', ''), '/ready')).status).toBe(200);
  },
  BOOT_TIMEOUT_MS,
);

it(
  'survives a restart, pauses the jobs, and switched off lets everything resume and tells the streams',
  async () => {
    // Restart B: the switch is in the database.
    await b.app.stop();
    servers.splice(servers.indexOf(b), 1);
    const c = await startServer({ ...env, INSTANCE_NAME: 'c' });
    servers.push(c);
    expect((await ok(c.url, Maintenance)).maintenance).toMatchObject({
      enabled: true,
      message: 'Upgrading the database',
    });

    // Two users wait in an open room (put there directly: joining is a mutation); the match job skips its run.
    const [slotRow] = await db.query<{ id: string }>(
      `INSERT INTO "Slot" (id, "startsAt", "endsAt", type) VALUES (gen_random_uuid(), now() + interval '5 minutes', now() + interval '65 minutes', 'TECHNICAL') RETURNING id`,
    );
    for (const u of [p, q]) {
      await db.query(
        `INSERT INTO "Booking" (id, "slotId", "userId", difficulty, status, "joinedAt", "updatedAt") VALUES (gen_random_uuid(), $1, $2, 'EASY', 'WAITING', now(), now())`,
        [slotRow!.id, u.id],
      );
    }
    expect(await a.app.scheduler!.runNow('match-waiting-rooms')).toEqual({ skipped: 'maintenance' });
    expect(await a.app.scheduler!.runNow('interview-timeouts')).toEqual({ skipped: 'maintenance' });
    expect(await a.app.scheduler!.runNow('expire-bookings')).toEqual({ skipped: 'maintenance' });
    const waiting = await db.query(`SELECT 1 FROM "Booking" WHERE "slotId" = $1 AND status = 'WAITING'`, [slotRow!.id]);
    expect(waiting).toHaveLength(2);

    // Switched off on C: the stream on A hears it, mutations work on both, the match job pairs the room.
    const off = (await ok(c.url, SetMaintenance, { enabled: false }, { token: admin.token })).setMaintenance;
    expect(off).toEqual({ enabled: false, message: null, since: null });
    const e = await nextOfType(onA.sub, 'MAINTENANCE_MODE');
    expect(e).toEqual({
      id: onA.lastId,
      type: 'MAINTENANCE_MODE',
      payload: { enabled: false, message: null, since: null },
    });
    expect(
      (await ok(a.url, SetAvailability, { availability: 'AVAILABLE' }, { token: p.token })).setAvailability
        .availability,
    ).toBe('AVAILABLE');
    expect(await a.app.scheduler!.runNow('match-waiting-rooms')).toEqual({ rooms: 1, interviews: 1 });
    const [window] = await db.query<{ startedAt: Date; endedAt: Date | null }>(
      `SELECT "startedAt", "endedAt" FROM "MaintenanceWindow"`,
    );
    expect(window!.endedAt).not.toBeNull();
  },
  BOOT_TIMEOUT_MS,
);

it('does not count maintenance time against users: no-show, auto-end and booking expiry move by it', async () => {
  const { interviews, bookings, maintenance } = a.app.services;
  const [u, v] = [await registerUser(a.url), await registerUser(a.url)];
  const { interviewId, slot } = await matchPair(a.url, admin, u, v);
  // The slot started 10 minutes ago and nobody showed up: 5 minutes past the no-show deadline…
  await db.query(
    `UPDATE "Slot" SET "startsAt" = now() - interval '10 minutes', "endsAt" = now() + interval '50 minutes' WHERE id = $1`,
    [slot.id],
  );
  await db.query(`UPDATE "Interview" SET "matchedAt" = now() - interval '10 minutes' WHERE id = $1`, [interviewId]);
  // …but 8 of those minutes were maintenance: only 2 count.
  const [w] = await db.query<{ id: string }>(
    `INSERT INTO "MaintenanceWindow" (id, "startedAt", "endedAt") VALUES (gen_random_uuid(), now() - interval '9 minutes', now() - interval '1 minute') RETURNING id`,
  );
  expect(await interviews.settle(interviewId, new Date(), await maintenance.recentWindows())).toBeNull();
  expect((await interviews.runTimeouts())['no-show']).toBe(0);

  // A booking of a slot that ended a minute ago, 8 minutes of which were maintenance, is not expired yet.
  const ended = await createSlot(a.url, admin, 60 * 24 * 6);
  const late = await registerUser(a.url);
  const booking = await book(a.url, late, ended.id, 'EASY');
  await db.query(
    `UPDATE "Slot" SET "startsAt" = now() - interval '61 minutes', "endsAt" = now() - interval '1 minute' WHERE id = $1`,
    [ended.id],
  );
  expect(await bookings.expireEndedBookings(new Date(), await maintenance.recentWindows())).toBe(0);

  // Without the window, both rules apply as usual.
  await db.query(`DELETE FROM "MaintenanceWindow" WHERE id = $1`, [w!.id]);
  expect(await interviews.settle(interviewId, new Date(), await maintenance.recentWindows())).toBe('no-show');
  expect(await bookings.expireEndedBookings(new Date(), await maintenance.recentWindows())).toBeGreaterThanOrEqual(1);
  const [row] = await db.query<{ status: string }>(`SELECT status FROM "Booking" WHERE id = $1`, [booking.id]);
  expect(row!.status).toBe('EXPIRED');
});

it('an interview in progress gets the maintenance time back before it is ended', async () => {
  const { interviews, maintenance } = a.app.services;
  const [u, v] = [await registerUser(a.url), await registerUser(a.url)];
  const { interviewId, slot } = await matchPair(a.url, admin, u, v);
  // Ended 16 minutes ago: one minute past the 15-minute grace…
  await db.query(
    `UPDATE "Slot" SET "startsAt" = now() - interval '76 minutes', "endsAt" = now() - interval '16 minutes' WHERE id = $1`,
    [slot.id],
  );
  await db.query(
    `UPDATE "Interview" SET status = 'IN_PROGRESS', "startedAt" = now() - interval '75 minutes' WHERE id = $1`,
    [interviewId],
  );
  // …with 10 minutes of maintenance during the session.
  const [w] = await db.query<{ id: string }>(
    `INSERT INTO "MaintenanceWindow" (id, "startedAt", "endedAt") VALUES (gen_random_uuid(), now() - interval '60 minutes', now() - interval '50 minutes') RETURNING id`,
  );
  expect(await interviews.settle(interviewId, new Date(), await maintenance.recentWindows())).toBeNull();
  await db.query(`DELETE FROM "MaintenanceWindow" WHERE id = $1`, [w!.id]);
  expect(await interviews.settle(interviewId, new Date(), await maintenance.recentWindows())).toBe('time-limit');
});

it('pending instant requests get the maintenance time back when it ends', async () => {
  const [r, s] = [await registerUser(a.url), await registerUser(a.url)];
  const [req] = await db.query<{ id: string; expiresAt: Date }>(
    `INSERT INTO "InstantRequest" (id, "requesterId", "addresseeId", type, difficulty, "expiresAt")
     VALUES (gen_random_uuid(), $1, $2, 'TECHNICAL', 'EASY', now() + interval '30 seconds') RETURNING id, "expiresAt"`,
    [r.id, s.id],
  );
  await ok(a.url, SetMaintenance, { enabled: true }, { token: admin.token });
  // As if it had lasted 10 minutes (the request was made before it began).
  await db.query(`UPDATE "MaintenanceWindow" SET "startedAt" = now() - interval '10 minutes' WHERE "endedAt" IS NULL`);
  await db.query(`UPDATE "InstantRequest" SET "createdAt" = now() - interval '11 minutes' WHERE id = $1`, [req!.id]);
  await ok(a.url, SetMaintenance, { enabled: false }, { token: admin.token });
  const [after] = await db.query<{ expiresAt: Date }>(`SELECT "expiresAt" FROM "InstantRequest" WHERE id = $1`, [
    req!.id,
  ]);
  const gained = after!.expiresAt.getTime() - req!.expiresAt.getTime();
  expect(gained).toBeGreaterThanOrEqual(10 * 60_000);
  expect(gained).toBeLessThan(11 * 60_000);
});

it(
  'MAINTENANCE=true switches it on at boot, with MAINTENANCE_MESSAGE',
  async () => {
    const stack = await startTestStack({ MAINTENANCE: 'true', MAINTENANCE_MESSAGE: 'Back at 10:00 UTC' });
    try {
      expect((await ok(stack.url, Maintenance)).maintenance).toMatchObject({
        enabled: true,
        message: 'Back at 10:00 UTC',
      });
      const res = await gql(stack.url, Register, {
        input: { email: 'boot@example.com', password: 'password123', name: 'Boot' },
      });
      expect(codes(res)).toEqual(['MAINTENANCE']);
      expect(res.errors![0]!.message).toBe('Back at 10:00 UTC');
      expect((await probe(stack.url.replace('/graphql', ''), '/ready')).status).toBe(200);
    } finally {
      await stack.close();
    }
  },
  BOOT_TIMEOUT_MS,
);

it('a join refused during maintenance is just refused: the booking stays as it was', async () => {
  const slot = await createSlot(a.url, admin, 5);
  const u = await registerUser(a.url);
  const booking = await book(a.url, u, slot.id, 'EASY');
  await ok(a.url, SetMaintenance, { enabled: true }, { token: admin.token });
  try {
    expect(codes(await gql(a.url, Join, { bookingId: booking.id }, { token: u.token }))).toEqual(['MAINTENANCE']);
    const [row] = await db.query<{ status: string }>(`SELECT status FROM "Booking" WHERE id = $1`, [booking.id]);
    expect(row!.status).toBe('BOOKED');
  } finally {
    await ok(a.url, SetMaintenance, { enabled: false }, { token: admin.token });
  }
  expect((await ok(a.url, Join, { bookingId: booking.id }, { token: u.token })).joinWaitingRoom.id).toBe(booking.id);
});
