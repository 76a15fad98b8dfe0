// Two real instances (src/main.ts as child processes) on one database and one
// Redis. SIGKILL one under subscribed clients: they resume on the other with
// their last seen id and miss nothing, and the survivor takes over the jobs.
import { freePort } from '../../src/infra/free-port.js';
import { graphql } from '../generated/gql.js';
import { connectWs, ok, subscribe, type Subscription, type WsConnection } from '../support/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { book, createSlot, registerAdmin, registerUser, type TestUser } from '../support/fixtures.js';
import { testEnv } from '../support/server.js';
import { spawnServer, type Spawned } from '../support/spawn.js';

// Starting the real entry point compiles the app with tsx: a few seconds, more on a loaded machine.
const SPAWN_TIMEOUT_MS = 60_000;

const SetAvailability = graphql(`
  mutation KillAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      availability
    }
  }
`);
const Events = graphql(`
  subscription KillEvents($after: String) {
    events(after: $after) {
      id
      type
    }
  }
`);
const Join = graphql(`
  mutation KillJoin($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      status
    }
  }
`);
const PresenceEvents = graphql(`
  subscription KillPresenceEvents {
    events {
      type
      payload
      interview {
        id
      }
    }
  }
`);
const Session = graphql(`
  subscription KillSession($interviewId: ID!) {
    interviewSession(interviewId: $interviewId) {
      type
    }
  }
`);
const MeOnline = graphql(`
  query KillMeOnline {
    me {
      online
    }
  }
`);
const MatchFound = graphql(`
  subscription KillMatchFound {
    matchFound {
      type
      interview {
        id
      }
      peer {
        id
      }
    }
  }
`);

interface Instance {
  proc: Spawned;
  url: string;
  wsUrl: string;
}

let db: TestDatabase;
const instances: Instance[] = [];
const sockets: WsConnection[] = [];

async function startInstance(name: string): Promise<Instance> {
  const port = await freePort();
  const env = testEnv(db, {
    LOG_LEVEL: 'info',
    PORT: String(port),
    INSTANCE_NAME: name,
    JOBS_ENABLED: 'true',
    MATCH_INTERVAL: '1 second',
    ADMIN_EMAILS: 'kill-admin@example.com',
    // Sockets of a dead instance go stale after 3 s and the sweep runs every 2 s.
    PRESENCE_TTL_SECONDS: '3',
    // The slots here start in 5 minutes: no SLOT_REMINDER in the streams this test compares.
    REMINDER_MINUTES: '1',
  });
  const proc = spawnServer(env);
  const instance = { proc, url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql` };
  instances.push(instance);
  await proc.logLine(/job scheduler started/);
  return instance;
}

beforeAll(async () => {
  db = await createTestDatabase();
}, SPAWN_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await Promise.all(
    instances.map(async ({ proc }) => {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
      proc.child.kill('SIGKILL');
      await proc.exited;
    }),
  );
  await db.drop();
}, SPAWN_TIMEOUT_MS);

const ws = (instance: Instance, user: TestUser) => {
  const c = connectWs(instance.wsUrl, user.token);
  sockets.push(c);
  return c;
};

const storedIds = async (userId: string) =>
  (await db.query<{ seq: string }>(`SELECT seq::text FROM "Event" WHERE "userId" = $1 ORDER BY seq`, [userId])).map(
    (r) => r.seq,
  );

/** Takes the next `n` events of a subscription. */
async function take(sub: Subscription<{ events: { id: string; type: string } }>, n: number) {
  const got: string[] = [];
  for (let i = 0; i < n; i++) got.push((await sub.next(10_000)).data!.events.id);
  return got;
}

it(
  'clients resume on the survivor with their last seen id and miss nothing; the survivor runs the match job',
  async () => {
    const [a, b] = await Promise.all([startInstance('kill-a'), startInstance('kill-b')]);
    const admin = await registerAdmin(b.url, db.url, 'kill-admin@example.com');
    const clients = [await registerUser(b.url, 'One'), await registerUser(b.url, 'Two')];
    // One stored event for the user, produced through B (setting the value a user already has announces nothing).
    const busy = new Map<string, boolean>();
    const produce = (u: TestUser) => {
      busy.set(u.id, !busy.get(u.id));
      return ok(b.url, SetAvailability, { availability: busy.get(u.id) ? 'BUSY' : 'AVAILABLE' }, { token: u.token });
    };

    const onA = clients.map((u) => subscribe(ws(a, u), Events, { after: '0' }));
    const lastSeen: string[] = [];
    for (const [i, u] of clients.entries()) {
      await produce(u);
      await produce(u);
      lastSeen[i] = (await take(onA[i]!, 2))[1]!;
    }
    // Presence: x's only socket is on A, and y, x's interview peer, watches from B.
    const [x, y] = [await registerUser(b.url, 'X'), await registerUser(b.url, 'Y')];
    const pairSlot = await createSlot(b.url, admin, 5);
    const yEvents = subscribe(ws(b, y), PresenceEvents);
    for (const u of [x, y])
      await ok(b.url, Join, { bookingId: (await book(b.url, u, pairSlot.id, 'EASY')).id }, { token: u.token });
    const matchedY = (await yEvents.next(20_000)).data!.events; // by whichever instance's job
    expect(matchedY.type).toBe('MATCHED');
    const interviewId = matchedY.interview!.id;
    const xOnA = ws(a, x);
    expect((await yEvents.next(10_000)).data!.events).toMatchObject({ type: 'USER_ONLINE', payload: { userId: x.id } });
    // x also watches the interview session from A: y hears PEER_JOINED.
    subscribe(xOnA, Session, { interviewId });
    expect((await yEvents.next(10_000)).data!.events).toMatchObject({ type: 'PEER_JOINED', payload: { userId: x.id } });

    // Produced just before the kill: A may or may not have delivered them.
    await Promise.all(clients.map(produce));

    a.proc.child.kill('SIGKILL');
    expect(await a.proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
    for (const u of clients) {
      await produce(u);
      await produce(u);
    }

    // Reconnect to B with the last id each client saw (whatever A delivered before dying is ignored here,
    // as a client that did not process it would): every stored event after it, once, in order.
    for (const [i, u] of clients.entries()) {
      const expected = (await storedIds(u.id)).filter((id) => BigInt(id) > BigInt(lastSeen[i]!));
      expect(expected).toHaveLength(3); // one produced just before the kill, two after it
      const resumed = subscribe(ws(b, u), Events, { after: lastSeen[i]! });
      expect(await take(resumed, expected.length)).toEqual(expected);
      // Live after the replay, with nothing repeated at the seam.
      await produce(u);
      expect(await take(resumed, 1)).toEqual([String(BigInt(expected.at(-1)!) + 1n)]);
      expect(resumed.pending()).toBe(0);
    }

    // Nobody closed x's socket nor its session subscription, yet they stop counting: y hears that x went
    // offline and left the session (the sweep announces both; USER_OFFLINE first).
    const gone = [(await yEvents.next(15_000)).data!.events, (await yEvents.next(15_000)).data!.events];
    expect(gone.map((e) => [e.type, e.payload])).toEqual([
      ['USER_OFFLINE', { userId: x.id }],
      ['PEER_LEFT', { userId: x.id }],
    ]);
    expect((await ok(b.url, MeOnline, {}, { token: x.token })).me!.online).toBe(false);

    // Only the job can pair this room now: users join after the kill and nobody calls pairWaitingRoom.
    // A's job locks expire (4 s lifetime) and B's next run pairs them.
    const slot = await createSlot(b.url, admin, 5);
    const [p1, p2] = [await registerUser(b.url, 'P1'), await registerUser(b.url, 'P2')];
    const matched = subscribe(ws(b, p1), MatchFound);
    for (const u of [p1, p2]) {
      const booking = await book(b.url, u, slot.id, 'MEDIUM');
      await ok(b.url, Join, { bookingId: booking.id }, { token: u.token });
    }
    const match = (await matched.next(20_000)).data!.matchFound;
    expect(match).toMatchObject({ type: 'MATCHED', peer: { id: p2.id } });
    const [run] = await db.query<{ last_modified_by: string | null }>(
      `SELECT last_modified_by FROM agenda_jobs WHERE name = 'match-waiting-rooms'`,
    );
    expect(run).toEqual({ last_modified_by: 'kill-b' }); // Agenda records the instance that ran it last
  },
  SPAWN_TIMEOUT_MS * 2,
);
