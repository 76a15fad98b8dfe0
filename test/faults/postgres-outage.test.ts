// PostgreSQL goes away under traffic and comes back on the same port: requests
// fail cleanly meanwhile, nothing crashes, and everything recovers in place.
import { graphql } from '../generated/gql.js';
import { connectWs, gql, ok, subscribe, type GqlResponse, type WsConnection } from '../support/client.js';
import { book, createSlot, registerAdmin, registerUser, type TestUser } from '../support/fixtures.js';
import { probe, readyTurns, until } from '../support/poll.js';
import { privatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { startServer, testEnv, type TestServer } from '../support/server.js';

const SetAvailability = graphql(`
  mutation PgFaultAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      availability
    }
  }
`);
const Me = graphql(`
  query PgFaultMe {
    me {
      id
      name
    }
  }
`);
const Slots = graphql(`
  query PgFaultSlots {
    slots {
      id
    }
  }
`);
const Events = graphql(`
  subscription PgFaultEvents($after: String) {
    events(after: $after) {
      id
      type
    }
  }
`);
const MyBookings = graphql(`
  query PgFaultMyBookings {
    myBookings {
      id
      status
    }
  }
`);
const Join = graphql(`
  mutation PgFaultJoin($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      status
    }
  }
`);

let pg: PrivatePostgres;
let server: TestServer;
let base: string;
const sockets: WsConnection[] = [];
// A crash would surface here: an 'error' event nobody listens to, a promise nobody awaits.
const crashes: unknown[] = [];
const onCrash = (err: unknown) => void crashes.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  pg = await privatePostgres();
  server = await startServer(
    testEnv(
      { url: pg.url },
      { ADMIN_EMAILS: 'pg-admin@example.com', JOBS_ENABLED: 'true', MATCH_INTERVAL: '1 second' },
    ),
  );
  base = server.app.url();
}, 60_000);
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  if (pg && !pg.running()) await pg.start().catch(() => {});
  await server?.app.stop();
  await pg?.remove();
  process.off('unhandledRejection', onCrash);
  process.off('uncaughtException', onCrash);
}, 60_000);

type Outcome = GqlResponse<unknown> | { thrown: string };

/** A client loop of queries and mutations until stopped; keeps every outcome. */
function traffic(user: TestUser) {
  const outcomes: Outcome[] = [];
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i++) {
      const request =
        i % 3 === 0
          ? gql(server.url, Me, {}, { token: user.token })
          : i % 3 === 1
            ? gql(server.url, Slots, {}, { token: user.token })
            : gql(server.url, SetAvailability, { availability: i % 2 ? 'BUSY' : 'AVAILABLE' }, { token: user.token });
      outcomes.push(await request.catch((err: unknown) => ({ thrown: String(err) })));
    }
  })();
  return {
    outcomes,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const failed = (o: Outcome) => 'thrown' in o || (o.errors?.length ?? 0) > 0;

it('fails requests cleanly while PostgreSQL is down and recovers without a restart', async () => {
  const admin = await registerAdmin(server.url, pg!.url, 'pg-admin@example.com');
  const watcher = await registerUser(server.url, 'Watcher');
  const loopers = [await registerUser(server.url), await registerUser(server.url), await registerUser(server.url)];
  const [p1, p2] = [await registerUser(server.url), await registerUser(server.url)];
  const slot = await createSlot(server.url, admin, 5); // open room: the match job pairs it
  const bookings = [await book(server.url, p1, slot.id, 'EASY'), await book(server.url, p2, slot.id, 'EASY')];

  const conn = connectWs(server.wsUrl, watcher.token);
  sockets.push(conn);
  const live = subscribe(conn, Events, { after: '0' });
  await ok(server.url, SetAvailability, { availability: 'BUSY' }, { token: watcher.token });
  expect((await live.next()).data!.events.type).toBe('AVAILABILITY_CHANGED');

  const loops = loopers.map(traffic);
  await until(async () => loops.every((l) => l.outcomes.length > 3), 'traffic flowing');
  expect(loops.flatMap((l) => l.outcomes).filter(failed)).toEqual([]);

  await pg.stop();
  const down = await readyTurns(base, 503);
  expect(down.body.checks).toEqual({ database: 'down', redis: 'ok' });
  expect((await probe(base, '/health')).status).toBe(200);
  // Traffic keeps hitting the dead database for a while.
  const mark = loops.map((l) => l.outcomes.length);
  await until(
    async () => loops.every((l, i) => l.outcomes.length >= mark[i]! + 6),
    'requests answered during the outage',
    20_000,
  );
  const outage = loops.flatMap((l, i) => l.outcomes.slice(mark[i]));
  expect(outage.filter(failed).length).toBeGreaterThan(0);
  for (const o of outage) {
    expect(o).not.toHaveProperty('thrown'); // an answer, not a dropped connection
    const res = o as GqlResponse<unknown>;
    for (const e of res.errors ?? []) {
      // A refused connection is retryable; one lost under a running query is an internal error.
      if (e.extensions?.['code'] === 'SERVICE_UNAVAILABLE') {
        expect(e).toMatchObject({
          message: 'The service is temporarily unavailable; retry in a moment.',
          extensions: { retryable: true },
        });
      } else {
        expect(e.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
        expect(e.message).toBe('Something went wrong on our side. It has been logged.');
      }
      expect(JSON.stringify(e)).not.toMatch(/prisma|postgres|ECONN|SELECT|127\.0\.0\.1|\bat \w+ \(/i);
    }
  }
  expect((await probe(base, '/health')).status).toBe(200);

  await pg.start();
  await readyTurns(base, 200, 20_000);
  // Every loop gets answers again without the server restarting.
  const back = loops.map((l) => l.outcomes.length);
  await until(
    async () => loops.every((l, i) => l.outcomes.slice(back[i]).some((o) => !failed(o))),
    'requests succeeding again',
    20_000,
  );
  await Promise.all(loops.map((l) => l.stop()));

  // A mutation after recovery commits and notifies: the subscription opened before the outage still delivers.
  await ok(server.url, SetAvailability, { availability: 'AVAILABLE' }, { token: watcher.token });
  const after = (await live.next()).data!.events;
  expect(after.type).toBe('AVAILABILITY_CHANGED');
  expect(after.id).toBe('2');
  // And the jobs run again: two users join the open room, nobody asks for pairing, the match job pairs them.
  for (const [i, u] of [p1, p2].entries())
    await ok(server.url, Join, { bookingId: bookings[i]!.id }, { token: u.token });
  await until(
    async () => {
      const res = await gql(server.url, MyBookings, {}, { token: p1.token });
      return res.data?.myBookings.find((b) => b.id === bookings[0]!.id)?.status === 'MATCHED';
    },
    'the match job pairing the room after recovery',
    20_000,
  );
  expect(crashes).toEqual([]);
  // No connection the outage broke is still held: the pools close and the server stops promptly.
  const stopping = Date.now();
  await server.app.stop();
  expect(Date.now() - stopping).toBeLessThan(10_000);
}, 120_000);
