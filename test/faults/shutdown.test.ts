// SIGTERM to the real entry point while clients are subscribed and mutations
// are in flight: every live subscription gets SERVER_SHUTDOWN before its socket
// closes with 1001, the events stream resumes exactly on another instance, and
// what the in-flight mutations wrote is whole (rows with their events), checked
// in the database after the process has exited.
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { graphql } from '../generated/gql.js';
import { connectWs, gql, ok, subscribe, type GqlResponse, type WsConnection } from '../support/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { book, createSlot, matchPair, registerAdmin, registerUser, type TestUser } from '../support/fixtures.js';
import { startServer, testEnv, type TestServer } from '../support/server.js';
import { spawnServer, within, type Spawned } from '../support/spawn.js';
import { freePort } from '../../src/infra/free-port.js';

const SPAWN_TIMEOUT_MS = 90_000;
const API_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'MAINTENANCE',
];

const Events = graphql(`
  subscription FaultShutdownEvents($after: String) {
    events(after: $after) {
      id
      type
      payload
    }
  }
`);
const Session = graphql(`
  subscription FaultShutdownSession($interviewId: ID!) {
    interviewSession(interviewId: $interviewId) {
      type
      actor {
        id
      }
      interview {
        id
      }
      payload
    }
  }
`);
const Room = graphql(`
  subscription FaultShutdownRoom($slotId: ID!) {
    waitingRoom(slotId: $slotId) {
      type
      slotId
      waitingCount
      byDifficulty {
        difficulty
        count
      }
    }
  }
`);
const Send = graphql(`
  mutation FaultShutdownSend($interviewId: ID!, $body: String!) {
    sendMessage(interviewId: $interviewId, body: $body) {
      id
    }
  }
`);
const Join = graphql(`
  mutation FaultShutdownJoin($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      id
      status
    }
  }
`);
const Book = graphql(`
  mutation FaultShutdownBook($input: BookSlotInput!) {
    bookSlot(input: $input) {
      id
    }
  }
`);

type Item = { kind: 'next'; data: Record<string, unknown> } | { kind: 'complete' } | { kind: 'error' };

/** Every message a subscription gets, in order, including complete and error (which must not come first). */
function record<T, V>(conn: WsConnection, document: TypedDocumentNode<T, V>, variables: V) {
  const items: Item[] = [];
  let arrived: () => void = () => {};
  conn.client.subscribe(
    { query: print(document), variables: variables as Record<string, unknown> },
    {
      next: (r) => {
        items.push({ kind: 'next', data: r.data as Record<string, unknown> });
        arrived();
      },
      complete: () => items.push({ kind: 'complete' }),
      error: () => items.push({ kind: 'error' }),
    },
  );
  return {
    items,
    /** Resolves once a result of root field `field` matches. */
    async until(field: string, match: (value: Record<string, unknown>) => boolean, timeoutMs = 10_000) {
      while (!results<Record<string, unknown>>(items, field).some(match)) {
        await within(new Promise<void>((r) => (arrived = r)), timeoutMs, `a matching ${field} result`);
      }
    },
  };
}

/** The `field` values of the results among `items`, in order. */
const results = <T>(items: Item[], field: string) =>
  items.flatMap((i) => (i.kind === 'next' ? [i.data[field] as T] : []));

/** What had arrived when the socket closed: a snapshot taken in the close callback. */
function atClose(conn: WsConnection, items: Item[]) {
  return conn.closed.then((e) => ({ code: e.code, items: [...items] }));
}

/** Outcome of a mutation raced against the shutdown: a response, or a transport failure (refused, reset). */
async function attempt<T>(run: () => Promise<GqlResponse<T>>): Promise<GqlResponse<T> | 'no response'> {
  try {
    return await run();
  } catch {
    return 'no response';
  }
}

let db: TestDatabase;
let spawned: Spawned | null = null;
let other: TestServer;
const sockets: WsConnection[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
}, SPAWN_TIMEOUT_MS);
afterAll(async () => {
  if (spawned && spawned.child.exitCode === null && spawned.child.signalCode === null) spawned.child.kill('SIGKILL');
  await Promise.all(sockets.map((s) => s.dispose()));
  await other?.app.stop();
  await db.drop();
});

it(
  'sends SERVER_SHUTDOWN to every live subscription before 1001, resumes exactly elsewhere, and leaves nothing half-written',
  async () => {
    const env = testEnv(db, { ADMIN_EMAILS: 'fault-shutdown-admin@example.com' });
    const port = await freePort();
    spawned = spawnServer({ ...env, LOG_LEVEL: 'info', PORT: String(port), INSTANCE_NAME: 'stopping' });
    // The other instance, in-process: fixtures go through it, and the client resumes on it.
    other = await startServer({ ...env, INSTANCE_NAME: 'other' });
    await within(spawned.logLine(/listening/), 30_000, 'start');
    const A = { url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql` };
    const B = other;

    const admin = await registerAdmin(B.url, db.url, 'fault-shutdown-admin@example.com');
    const [u1, u2] = [await registerUser(B.url), await registerUser(B.url)];
    const { interviewId } = await matchPair(B.url, admin, u1, u2);
    const room = await createSlot(B.url, admin, 5); // waiting room open
    const later = await createSlot(B.url, admin, 60 * 24);
    const joiners: TestUser[] = [];
    const bookers: TestUser[] = [];
    for (let i = 0; i < 6; i++) joiners.push(await registerUser(B.url));
    for (let i = 0; i < 6; i++) bookers.push(await registerUser(B.url));
    const bookings = await Promise.all(
      joiners.map((u) => book(B.url, u, room.id, (['EASY', 'MEDIUM', 'HARD'] as const)[joiners.indexOf(u) % 3]!)),
    );

    // Live subscriptions on the instance that will stop.
    const connect = (token: string) => {
      const c = connectWs(A.wsUrl, token);
      sockets.push(c);
      return c;
    };
    const [eventsWs, sessionWs, roomWs] = [connect(u2.token), connect(u1.token), connect(admin.token)];
    const events = record(eventsWs, Events, { after: '0' });
    await events.until('events', (e) => e['type'] === 'MATCHED'); // replayed
    const session = record(sessionWs, Session, { interviewId });
    await events.until('events', (e) => e['type'] === 'PEER_JOINED'); // u1's session subscription is live
    const roomSub = record(roomWs, Room, { slotId: room.id });
    // Room events are not stored: the subscription is live once it sees a join (a join
    // published before it was live is not seen; then the next one is).
    let roomJoins = 0;
    while (!results(roomSub.items, 'waitingRoom').length) {
      expect(roomJoins).toBeLessThan(3);
      await ok(B.url, Join, { bookingId: bookings[roomJoins]!.id }, { token: joiners[roomJoins]!.token });
      roomJoins++;
      await roomSub.until('waitingRoom', () => true, 2_000).catch(() => {});
    }
    const closes = [atClose(eventsWs, events.items), atClose(sessionWs, session.items), atClose(roomWs, roomSub.items)];

    // A batch of mutations to the stopping instance, racing SIGTERM.
    const sends = Array.from({ length: 16 }, (_, i) => {
      const sender = i % 2 ? u2 : u1;
      return attempt(() => gql(A.url, Send, { interviewId, body: `message ${i}` }, { token: sender.token }));
    });
    const joins = bookings
      .slice(roomJoins)
      .map((b, i) => attempt(() => gql(A.url, Join, { bookingId: b.id }, { token: joiners[roomJoins + i]!.token })));
    const books = bookers.map((u) =>
      attempt(() => gql(A.url, Book, { input: { slotId: later.id, difficulty: 'MEDIUM' } }, { token: u.token })),
    );
    await Promise.race(sends); // the first answer: the rest are in flight
    const signalledAt = performance.now();
    spawned.child.kill('SIGTERM');

    // Each subscription's last result before the close is SERVER_SHUTDOWN; nothing completed or failed before it.
    const closed = await within(Promise.all(closes), 10_000, 'sockets closing');
    for (const c of closed) {
      expect(c.code).toBe(1001);
      expect(c.items.map((i) => i.kind)).not.toContain('complete');
    }
    const [evItems, sessionItems, roomItems] = closed.map((c) => c.items) as [Item[], Item[], Item[]];
    const delivered = results<{ id: string; type: string; payload: unknown }>(evItems, 'events');
    const shutdownEvent = delivered.at(-1)!;
    expect(shutdownEvent).toMatchObject({ type: 'SERVER_SHUTDOWN', payload: { reconnect: true } });
    expect(results(sessionItems, 'interviewSession').at(-1)).toEqual({
      type: 'SERVER_SHUTDOWN',
      actor: null,
      interview: { id: interviewId },
      payload: { reconnect: true },
    });
    const roomEvents = results<{ type: string; slotId: string; waitingCount: number }>(roomItems, 'waitingRoom');
    const roomShutdown = roomEvents.at(-1)!;
    expect(roomShutdown).toMatchObject({ type: 'SERVER_SHUTDOWN', slotId: room.id });
    // The counts the watcher last had.
    expect(roomShutdown.waitingCount).toBe(roomEvents.at(-2)!.waitingCount);

    const exit = await within(spawned.exited, 15_000, 'exit');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(performance.now() - signalledAt).toBeLessThan(10_000);
    expect(await spawned.logLine(/SERVER_SHUTDOWN sent/)).toMatchObject({ delivered: 3, undelivered: 0 });

    // SERVER_SHUTDOWN is not stored, and its id is the last cursor that stream delivered.
    const stored = await db.query<{ seq: string; type: string }>(
      `SELECT e.seq::text AS seq, e.type::text AS type FROM "Event" e WHERE e."userId" = $1 ORDER BY e.seq`,
      [u2.id],
    );
    expect(stored.map((e) => e.type)).not.toContain('SERVER_SHUTDOWN');
    const before = delivered.slice(0, -1);
    expect(shutdownEvent.id).toBe(before.at(-1)!.id);
    expect(before.map((e) => e.id)).toEqual(stored.slice(0, before.length).map((e) => e.seq));

    // Resuming on the other instance with that id gets exactly the rest: no gap, no duplicate.
    const resumedWs = connectWs(B.wsUrl, u2.token);
    sockets.push(resumedWs);
    const resumed = subscribe(resumedWs, Events, { after: shutdownEvent.id });
    const rest = stored.slice(before.length);
    const got: string[] = [];
    for (const _ of rest) got.push((await resumed.next(10_000)).data!.events.id);
    expect(got).toEqual(rest.map((e) => e.seq));
    expect(resumed.pending()).toBe(0);

    // In-flight mutations: each answered with data (and is in the database) or failed cleanly.
    const outcomes = await Promise.all([...sends, ...joins, ...books]);
    for (const o of outcomes) {
      if (o === 'no response') continue;
      if (o.errors?.length) expect(API_CODES).toContain(o.errors[0]!.extensions?.['code']);
      else expect(o.data).toBeTruthy();
    }
    expect(outcomes.filter((o) => o !== 'no response' && !o.errors).length).toBeGreaterThan(0);
    const sentIds = (await Promise.all(sends)).flatMap((o) =>
      o !== 'no response' && o.data ? [o.data.sendMessage.id] : [],
    );
    const messages = await db.query<{ id: string; events: string }>(
      `SELECT m.id, (SELECT count(*) FROM "Event" e WHERE e.type = 'MESSAGE_SENT' AND e.payload->>'messageId' = m.id::text)::text AS events
     FROM "Message" m WHERE m."interviewId" = $1`,
      [interviewId],
    );
    // Nothing half-written: every message has its one MESSAGE_SENT (to the peer), and every event its message.
    expect(messages.map((m) => m.id)).toEqual(expect.arrayContaining(sentIds));
    expect(messages.every((m) => m.events === '1')).toBe(true);
    const [orphans] = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM "Event" e WHERE e.type = 'MESSAGE_SENT' AND NOT EXISTS (SELECT 1 FROM "Message" m WHERE m.id::text = e.payload->>'messageId')`,
    );
    expect(orphans!.n).toBe('0');
    const joined = (await Promise.all(joins)).flatMap((o) =>
      o !== 'no response' && o.data ? [o.data.joinWaitingRoom.id] : [],
    );
    const waiting = await db.query<{ id: string }>(
      `SELECT id FROM "Booking" WHERE "slotId" = $1 AND status = 'WAITING'`,
      [room.id],
    );
    expect(waiting.map((w) => w.id)).toEqual(expect.arrayContaining(joined));
    const booked = (await Promise.all(books)).flatMap((o) =>
      o !== 'no response' && o.data ? [o.data.bookSlot.id] : [],
    );
    const laterRows = await db.query<{ id: string }>(`SELECT id FROM "Booking" WHERE "slotId" = $1`, [later.id]);
    expect(laterRows.map((r) => r.id)).toEqual(expect.arrayContaining(booked));
    // The last room count anyone saw never exceeds what is in the table.
    expect(roomShutdown.waitingCount).toBeLessThanOrEqual(waiting.length);
  },
  SPAWN_TIMEOUT_MS * 2,
);
