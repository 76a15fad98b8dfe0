// Presence and availability over real sockets, on two instances sharing one
// database and one Redis: who is online, who hears about it, the socket cap,
// setAvailability and availablePeers.
import { graphql } from './generated/gql.js';
import { admitted, codes, connectWs, gql, ok, subscribe, type WsConnection } from './support/client.js';
import { matchPair, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startServer, startTestStack, type TestServer } from './support/server.js';

const Me = graphql(`
  query PresenceMe {
    me {
      id
      online
      availability
    }
  }
`);
const SetAvailability = graphql(`
  mutation PresenceSetAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      id
      availability
      online
    }
  }
`);
const AvailablePeers = graphql(`
  query PresenceAvailablePeers($type: InterviewType) {
    availablePeers(type: $type) {
      id
      online
      availability
    }
  }
`);
const Events = graphql(`
  subscription PresenceEvents($after: String) {
    events(after: $after) {
      id
      type
      payload
      interview {
        id
      }
    }
  }
`);
const Latest = graphql(`
  query PresenceLatest {
    notifications(first: 1) {
      edges {
        node {
          id
          type
        }
      }
    }
  }
`);
const Request = graphql(`
  mutation PresenceRequest($input: InstantInterviewInput!) {
    requestInstantInterview(input: $input) {
      id
      status
    }
  }
`);
const Participants = graphql(`
  query PresenceParticipants($id: ID!) {
    interview(id: $id) {
      participants {
        user {
          id
          online
        }
      }
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
/** A second instance on the same database and Redis, as behind the load balancer. */
let other: TestServer;
let admin: TestUser;
const sockets: WsConnection[] = [];

beforeAll(async () => {
  stack = await startTestStack({ ADMIN_EMAILS: 'presence-admin@example.com' });
  other = await startServer(stack.env);
  admin = await registerAdmin(stack.url, stack.db.url, 'presence-admin@example.com');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await other.app.stop();
  await stack.close();
});

type Server = { url: string; wsUrl: string };
const A = (): Server => stack;
const B = (): Server => other;

/** Opens a signed-in socket and resolves once the server has admitted it (and recorded the user online). */
async function connect(user: TestUser, server: Server = A()): Promise<WsConnection> {
  const conn = connectWs(server.wsUrl, user.token);
  sockets.push(conn);
  return admitted(conn);
}

/** The user's events from now on: subscribes after their newest stored event, so nothing is missed however slow the subscribe. */
async function eventsOf(user: TestUser, conn: WsConnection, server: Server = A()) {
  const latest = await ok(server.url, Latest, {}, { token: user.token });
  const after = latest.notifications.edges[0]?.node.id ?? '0';
  const sub = subscribe(conn, Events, { after });
  return {
    sub,
    async next() {
      const r = await sub.next();
      expect(r.errors).toBeUndefined();
      return r.data!.events;
    },
  };
}

const online = async (user: TestUser, server: Server = A()) =>
  (await ok(server.url, Me, {}, { token: user.token })).me!.online;
const setAvailability = (user: TestUser, availability: 'AVAILABLE' | 'BUSY' | 'OFFLINE') =>
  ok(stack.url, SetAvailability, { availability }, { token: user.token });
const storedTypes = async (user: TestUser) =>
  (await stack.db.query<{ type: string }>(`SELECT type FROM "Event" WHERE "userId" = $1 ORDER BY seq`, [user.id])).map(
    (r) => r.type,
  );

describe('online', () => {
  it('is true while the user has a signed-in socket open, and false after the last one closes', async () => {
    const [u, peer] = [await registerUser(stack.url), await registerUser(stack.url)];
    await matchPair(stack.url, admin, u, peer);
    const watcher = await eventsOf(peer, await connect(peer));
    expect(await online(u)).toBe(false);

    const first = await connect(u);
    expect(await online(u)).toBe(true);
    expect(await watcher.next()).toMatchObject({ type: 'USER_ONLINE', payload: { userId: u.id } });
    const second = await connect(u);
    await first.dispose();
    await second.dispose();
    // Only the transitions are announced: one OFFLINE, once the last socket has gone.
    expect(await watcher.next()).toMatchObject({ type: 'USER_OFFLINE', payload: { userId: u.id } });
    expect(await online(u)).toBe(false);
    expect(watcher.sub.pending()).toBe(0);
    expect((await storedTypes(peer)).filter((t) => t.startsWith('USER_'))).toEqual(['USER_ONLINE', 'USER_OFFLINE']);
  });

  it('an anonymous socket does not make anyone online', async () => {
    const u = await registerUser(stack.url);
    const anon = connectWs(stack.wsUrl);
    sockets.push(anon);
    await new Promise<void>((resolve) => anon.client.on('connected', () => resolve()));
    expect(await online(u)).toBe(false);
  });

  it('counts sockets on every instance: a socket on A makes the user online when read through B', async () => {
    const [u, peer] = [await registerUser(stack.url), await registerUser(stack.url)];
    const { interviewId } = await matchPair(stack.url, admin, u, peer);
    const watcher = await eventsOf(peer, await connect(peer, B()), B());

    const conn = await connect(u, A());
    expect(await online(u, B())).toBe(true);
    // Also as any other user sees it, e.g. the peer looking at the interview.
    const seen = await ok(B().url, Participants, { id: interviewId }, { token: peer.token });
    expect(seen.interview!.participants.find((p) => p.user.id === u.id)!.user.online).toBe(true);
    // The peer, subscribed on B, hears what happened on A.
    expect(await watcher.next()).toMatchObject({ type: 'USER_ONLINE', payload: { userId: u.id } });

    await conn.dispose();
    expect(await watcher.next()).toMatchObject({ type: 'USER_OFFLINE', payload: { userId: u.id } });
    expect(await online(u, B())).toBe(false);
  });
});

describe('who hears USER_ONLINE / USER_OFFLINE', () => {
  it('users sharing a pending instant request with them hear it; strangers do not', async () => {
    const [asker, callee, stranger] = [
      await registerUser(stack.url),
      await registerUser(stack.url),
      await registerUser(stack.url),
    ];
    const calleeConn = await connect(callee);
    await setAvailability(callee, 'AVAILABLE');
    const asking = await eventsOf(asker, await connect(asker));
    await ok(
      stack.url,
      Request,
      { input: { peerId: callee.id, type: 'TECHNICAL', difficulty: 'EASY' } },
      { token: asker.token },
    );

    await calleeConn.dispose();
    expect(await asking.next()).toMatchObject({ type: 'USER_OFFLINE', payload: { userId: callee.id } });
    expect(await storedTypes(stranger)).toEqual([]);
  });

  it('a cancelled interview no longer connects the two', async () => {
    const [u, peer] = [await registerUser(stack.url), await registerUser(stack.url)];
    const { interviewId } = await matchPair(stack.url, admin, u, peer);
    await stack.db.query(`UPDATE "Interview" SET status = 'CANCELLED' WHERE id = $1`, [interviewId]);
    const before = await storedTypes(peer);
    const conn = await connect(u);
    await conn.dispose();
    // Stored events are written before the socket is admitted; an announcement would already be here.
    expect(await storedTypes(peer)).toEqual(before);
  });
});

describe('the socket cap', () => {
  it('admits 10 sockets per user across instances and closes the 11th with 4429 and a reason', async () => {
    const u = await registerUser(stack.url);
    for (let i = 0; i < 10; i++) await connect(u, i % 2 ? A() : B());
    const eleventh = connectWs(A().wsUrl, u.token);
    sockets.push(eleventh);
    expect(await eleventh.closed).toEqual({ code: 4429, reason: 'Too many open connections (10)' });
    expect(await online(u)).toBe(true);
  });
});

describe('first sockets that arrive together', () => {
  // Calls of one tick share a presence transaction: this drives the service directly, so they really are one tick.
  it('of many users, and several of one user, on two instances: each user announced online once, the cap kept', async () => {
    const users = await Promise.all(Array.from({ length: 3 }, () => registerUser(stack.url)));
    const peers = await Promise.all(users.map(() => registerUser(stack.url)));
    for (const [i, u] of users.entries()) await matchPair(stack.url, admin, u, peers[i]!);
    const capped = await registerUser(stack.url);
    const before = await Promise.all(peers.map(storedTypes));
    const instances = [stack.app.services.userPresence, other.app.services.userPresence];
    // Each user opens 3 sockets at once, alternating instances; `capped` opens 12.
    const opens = [...users.flatMap((u) => [u, u, u]), ...Array.from({ length: 12 }, () => capped)].map((u, i) => ({
      userId: u.id,
      socketId: `tick-${i}`,
      presence: instances[i % 2]!,
    }));
    const admissions = await Promise.all(opens.map((o) => o.presence.socketOpened(o.userId, o.socketId)));

    expect(admissions.slice(0, 9).every((a) => a.ok)).toBe(true);
    expect(admissions.slice(9).filter((a) => a.ok)).toHaveLength(10);
    expect(admissions.slice(9).filter((a) => !a.ok)).toEqual([
      { ok: false, reason: 'Too many open connections (10)' },
      { ok: false, reason: 'Too many open connections (10)' },
    ]);
    for (const u of [...users, capped]) expect(await online(u, B())).toBe(true);
    for (const [i, peer] of peers.entries()) {
      expect((await storedTypes(peer)).slice(before[i]!.length)).toEqual(['USER_ONLINE']);
    }

    // All closed at once: each user announced offline once, after their online.
    await Promise.all(
      opens.filter((_, i) => admissions[i]!.ok).map((o) => o.presence.socketClosed(o.userId, o.socketId)),
    );
    for (const u of [...users, capped]) expect(await online(u, B())).toBe(false);
    for (const [i, peer] of peers.entries()) {
      expect((await storedTypes(peer)).slice(before[i]!.length)).toEqual(['USER_ONLINE', 'USER_OFFLINE']);
    }
  });
});

describe('setAvailability', () => {
  it('stores it and tells the user (other devices) and whoever shares an interview, once per change', async () => {
    const [u, peer, stranger] = [
      await registerUser(stack.url),
      await registerUser(stack.url),
      await registerUser(stack.url),
    ];
    await matchPair(stack.url, admin, u, peer);
    const [uConn, peerConn] = [await connect(u), await connect(peer, B())];
    const own = await eventsOf(u, uConn);
    const peers = await eventsOf(peer, peerConn, B());

    const set = await setAvailability(u, 'AVAILABLE');
    expect(set.setAvailability).toEqual({ id: u.id, availability: 'AVAILABLE', online: true });
    for (const stream of [own, peers]) {
      expect(await stream.next()).toMatchObject({
        type: 'AVAILABILITY_CHANGED',
        payload: { userId: u.id, availability: 'AVAILABLE' },
      });
    }
    // The same value again changes nothing and announces nothing: the next event is the next change.
    await setAvailability(u, 'AVAILABLE');
    await setAvailability(u, 'BUSY');
    for (const stream of [own, peers]) {
      expect(await stream.next()).toMatchObject({
        type: 'AVAILABILITY_CHANGED',
        payload: { userId: u.id, availability: 'BUSY' },
      });
    }
    expect((await ok(stack.url, Me, {}, { token: u.token })).me!.availability).toBe('BUSY');
    expect(await storedTypes(stranger)).toEqual([]);
  });

  it('needs a signed-in user and a valid value', async () => {
    expect(codes(await gql(stack.url, SetAvailability, { availability: 'AVAILABLE' }))).toEqual(['UNAUTHENTICATED']);
    const u = await registerUser(stack.url);
    const res = await gql(stack.url, SetAvailability, { availability: 'SLEEPING' as never }, { token: u.token });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('availablePeers', () => {
  it('lists online AVAILABLE users only, never the viewer nor anyone in an interview under way', async () => {
    const [viewer, free, busy, away, offline, engaged, engagedPeer] = (await Promise.all(
      ['Viewer', 'Free', 'Busy', 'Away', 'Offline', 'Engaged', 'EngagedPeer'].map((n) => registerUser(stack.url, n)),
    )) as [TestUser, TestUser, TestUser, TestUser, TestUser, TestUser, TestUser];
    for (const u of [viewer, free, busy, away, engaged]) await connect(u, u === busy ? B() : A());
    for (const u of [viewer, free, offline, engaged]) await setAvailability(u, 'AVAILABLE');
    await setAvailability(busy, 'BUSY');
    await setAvailability(away, 'OFFLINE');
    const { slot } = await matchPair(stack.url, admin, engaged, engagedPeer);
    // The slot is under way: the SCHEDULED interview counts as happening now.
    await stack.db.query(`UPDATE "Slot" SET "startsAt" = now() - interval '1 minute' WHERE id = $1`, [slot.id]);

    for (const server of [A(), B()]) {
      const { availablePeers } = await ok(server.url, AvailablePeers, { type: 'TECHNICAL' }, { token: viewer.token });
      const ids = availablePeers.map((p) => p.id);
      expect(ids).toContain(free.id);
      for (const u of [viewer, busy, away, offline, engaged]) expect(ids).not.toContain(u.id);
      expect(availablePeers.every((p) => p.online && p.availability === 'AVAILABLE')).toBe(true);
    }
    // `type` filters nothing (users state no preference).
    const untyped = await ok(stack.url, AvailablePeers, {}, { token: viewer.token });
    expect(untyped.availablePeers.map((p) => p.id)).toContain(free.id);
  });

  it('is for signed-in users', async () => {
    expect(codes(await gql(stack.url, AvailablePeers, {}))).toEqual(['UNAUTHENTICATED']);
  });
});
