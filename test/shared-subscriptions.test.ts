// Room events are executed once per (event, operation) and encoded once for
// every subscriber of that operation (src/realtime/shared-subscriptions.ts).
// Each viewer must still get exactly the result of its own document and
// variables, pass its own subscribe-time auth, and stop on its own.
import { isObjectType, parse } from 'graphql';
import WebSocket from 'ws';
import { channels, type RoomEventMessage } from '../src/domain/events.js';
import { isSharedOperation, SHARED_SUBSCRIPTION_FIELDS } from '../src/realtime/shared-subscriptions.js';
import { schema } from '../src/schema/index.js';
import { graphql } from './generated/gql.js';
import { connectWs, subscribe, type Subscription, type WsConnection } from './support/client.js';
import { book, createSlot, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

const Full = graphql(`
  subscription SharedFull($slotId: ID!) {
    waitingRoom(slotId: $slotId) {
      type
      slotId
      waitingCount
      byDifficulty {
        difficulty
        count
      }
      at
    }
  }
`);
const Counts = graphql(`
  subscription SharedCounts($slotId: ID!) {
    waitingRoom(slotId: $slotId) {
      type
      waitingCount
    }
  }
`);
const Aliased = graphql(`
  subscription SharedAliased($slotId: ID!) {
    room: waitingRoom(slotId: $slotId) {
      kind: type
      hard: byDifficulty {
        difficulty
      }
      __typename
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let admin: TestUser;
const sockets: WsConnection[] = [];
const ws = (user?: TestUser) => sockets[sockets.push(connectWs(stack.wsUrl, user?.token)) - 1]!;

beforeAll(async () => {
  stack = await startTestStack({ ADMIN_EMAILS: 'shared-admin@example.com' });
  admin = await registerAdmin(stack.url, stack.db.url, 'shared-admin@example.com');
});
afterAll(() => Promise.all(sockets.map((s) => s.dispose())).then(() => stack.close()));

let seq = 0;
/** A room event as bookings publish it after commit; `waitingCount` makes each one recognisable. */
const roomEvent = (slotId: string): RoomEventMessage => {
  const n = ++seq;
  return {
    type: 'JOIN_ROOM',
    slotId,
    at: new Date(Date.UTC(2030, 0, 1, 0, 0, n)).toISOString(),
    waitingCount: n,
    byDifficulty: [
      { difficulty: 'EASY', count: n },
      { difficulty: 'MEDIUM', count: 0 },
      { difficulty: 'HARD', count: 0 },
    ],
  };
};
const publish = (e: RoomEventMessage) => stack.app.infra.pubsub.publish(channels.room(e.slotId), e);

/**
 * graphql-ws does not acknowledge a subscribe: publish probe events until every
 * subscription has received one (bounded), then drop what the probes left queued.
 */
async function untilLive(subs: { sub: Subscription<unknown>; slotId: string }[]) {
  const deadline = Date.now() + 10_000;
  const live = new Set<number>();
  while (live.size < subs.length) {
    if (Date.now() > deadline) throw new Error(`only ${live.size}/${subs.length} subscriptions live`);
    for (const slotId of new Set(subs.map((s) => s.slotId))) await publish(roomEvent(slotId));
    await Promise.all(
      subs.map(async (s, i) => {
        if (live.has(i)) return;
        await s.sub.next(200).then(
          () => live.add(i),
          () => {},
        );
      }),
    );
  }
  for (const s of subs) while (s.sub.pending() > 0) await s.sub.next();
}

describe('shared execution of room events', () => {
  it('gives each viewer the result of its own document and variables, and never crosses rooms', async () => {
    const [slotA, slotB] = [await createSlot(stack.url, admin, 5), await createSlot(stack.url, admin, 70)];
    const [ann, bob] = [await registerUser(stack.url, 'Ann'), await registerUser(stack.url, 'Bob')];
    await book(stack.url, ann, slotA.id, 'EASY');
    await book(stack.url, ann, slotB.id, 'EASY');
    await book(stack.url, bob, slotA.id, 'HARD');
    const annConn = ws(ann);
    const bobConn = ws(bob);
    const subs = {
      annFull: { sub: subscribe(annConn, Full, { slotId: slotA.id }), slotId: slotA.id },
      bobFull: { sub: subscribe(bobConn, Full, { slotId: slotA.id }), slotId: slotA.id },
      bobCounts: { sub: subscribe(bobConn, Counts, { slotId: slotA.id }), slotId: slotA.id },
      annAliased: { sub: subscribe(annConn, Aliased, { slotId: slotA.id }), slotId: slotA.id },
      annOtherRoom: { sub: subscribe(annConn, Full, { slotId: slotB.id }), slotId: slotB.id },
    };
    await untilLive(Object.values(subs));

    const inA = roomEvent(slotA.id);
    const inB = roomEvent(slotB.id);
    await publish(inA);
    await publish(inB);
    const full = { data: { waitingRoom: inA } };
    expect(await subs.annFull.sub.next()).toEqual(full);
    expect(await subs.bobFull.sub.next()).toEqual(full);
    expect(await subs.bobCounts.sub.next()).toEqual({
      data: { waitingRoom: { type: 'JOIN_ROOM', waitingCount: inA.waitingCount } },
    });
    expect(await subs.annAliased.sub.next()).toEqual({
      data: {
        room: {
          kind: 'JOIN_ROOM',
          hard: [{ difficulty: 'EASY' }, { difficulty: 'MEDIUM' }, { difficulty: 'HARD' }],
          __typename: 'WaitingRoomEvent',
        },
      },
    });
    expect(await subs.annOtherRoom.sub.next()).toEqual({ data: { waitingRoom: inB } });
    for (const s of Object.values(subs)) expect(s.sub.pending()).toBe(0);
  });

  it('checks each subscriber at subscribe time, and one stopping or leaving does not stop the others', async () => {
    const slot = await createSlot(stack.url, admin, 5);
    const [ann, bob] = [await registerUser(stack.url), await registerUser(stack.url)];
    await book(stack.url, ann, slot.id, 'MEDIUM');
    await book(stack.url, bob, slot.id, 'MEDIUM');
    const annConn = ws(ann);
    const bobConn = ws(bob);
    const ann1 = subscribe(annConn, Full, { slotId: slot.id });
    const ann2 = subscribe(annConn, Full, { slotId: slot.id });
    const bobSub = subscribe(bobConn, Full, { slotId: slot.id });
    await untilLive([ann1, ann2, bobSub].map((sub) => ({ sub, slotId: slot.id })));

    // Same document and variables as the live ones: a socket without a token is still refused.
    expect((await subscribe(ws(), Full, { slotId: slot.id }).next()).errors?.[0]?.extensions?.['code']).toBe(
      'UNAUTHENTICATED',
    );
    // Variables are coerced by the shared path itself: a missing one is the client's fault.
    const missing = (await subscribe(annConn, Full, {} as never).next()).errors?.[0];
    expect(missing?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(missing?.message).toMatch(/slotId/);

    ann1.stop();
    const first = roomEvent(slot.id);
    await publish(first);
    expect(await ann2.next()).toEqual({ data: { waitingRoom: first } });
    expect(await bobSub.next()).toEqual({ data: { waitingRoom: first } });

    await bobConn.dispose();
    const second = roomEvent(slot.id);
    await publish(second);
    expect(await ann2.next()).toEqual({ data: { waitingRoom: second } });
  });

  it('masks a failing event once for all its subscribers: generic message, INTERNAL_SERVER_ERROR, one errorId', async () => {
    const slot = await createSlot(stack.url, admin, 5);
    const [ann, bob] = [await registerUser(stack.url), await registerUser(stack.url)];
    await book(stack.url, ann, slot.id, 'EASY');
    await book(stack.url, bob, slot.id, 'EASY');
    const subs = [subscribe(ws(ann), Full, { slotId: slot.id }), subscribe(ws(bob), Full, { slotId: slot.id })];
    await untilLive(subs.map((sub) => ({ sub, slotId: slot.id })));

    // An event no valid writer publishes: waitingCount cannot be serialized as an Int.
    await publish({ ...roomEvent(slot.id), waitingCount: 'many' as never });
    const [a, b] = await Promise.all(subs.map((s) => s.next()));
    expect(a!.data).toBeNull();
    expect(a!.errors).toEqual([
      expect.objectContaining({
        message: 'Something went wrong on our side. It has been logged.',
        extensions: { code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String) },
      }),
    ]);
    expect(JSON.stringify(a)).not.toMatch(/many|Int cannot/);
    // The same masked error, so the event was executed (and logged) once for both viewers.
    expect(b).toEqual(a);

    const next = roomEvent(slot.id);
    await publish(next);
    for (const s of subs) expect(await s.next()).toEqual({ data: { waitingRoom: next } });
  });

  it('sends graphql-ws frames with each subscription id, and none after its complete', async () => {
    const slot = await createSlot(stack.url, admin, 5);
    const user = await registerUser(stack.url);
    await book(stack.url, user, slot.id, 'EASY');
    const socket = new WebSocket(stack.wsUrl, 'graphql-transport-ws');
    const frames: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    socket.on('message', (data) => {
      frames.push(JSON.parse((data as Buffer).toString()) as Record<string, unknown>);
      for (const w of waiters.splice(0)) w();
    });
    /** Resolves at the next frame, or after `ms` at the latest. */
    const arrival = (ms: number) =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, ms);
      });
    const frame = async (match: (f: Record<string, unknown>) => boolean) => {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const i = frames.findIndex(match);
        if (i >= 0) return frames.splice(i, 1)[0]!;
        if (Date.now() > deadline) throw new Error(`no matching frame in ${JSON.stringify(frames)}`);
        await arrival(100);
      }
    };
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${user.token}` } }));
    await frame((f) => f['type'] === 'connection_ack');
    const ids = ['1', 'quote"and\\slash', 'ünï'];
    const query = 'subscription($s: ID!) { waitingRoom(slotId: $s) { waitingCount } }';
    for (const id of ids)
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables: { s: slot.id } } }));
    const deadline = Date.now() + 10_000;
    // Probe until every id has had an event; then one more event reaches all of them.
    while (!ids.every((id) => frames.some((f) => f['id'] === id))) {
      if (Date.now() > deadline) throw new Error('subscriptions never went live');
      await publish(roomEvent(slot.id));
      await arrival(200);
    }
    const event = roomEvent(slot.id);
    const countOf = (f: Record<string, unknown>) =>
      (f['payload'] as { data?: { waitingRoom?: { waitingCount?: number } } }).data?.waitingRoom?.waitingCount;
    await publish(event);
    for (const id of ids) {
      expect(await frame((f) => f['id'] === id && countOf(f) === event.waitingCount)).toEqual({
        id,
        type: 'next',
        payload: { data: { waitingRoom: { waitingCount: event.waitingCount } } },
      });
    }
    // A socket's frames arrive in order: whatever is left is from the probes.
    frames.splice(0);
    socket.send(JSON.stringify({ id: ids[1], type: 'complete' }));
    // The server handles complete at once; its pong proves it has read the message.
    socket.send(JSON.stringify({ type: 'ping' }));
    await frame((f) => f['type'] === 'pong');
    const last = roomEvent(slot.id);
    await publish(last);
    for (const id of [ids[0], ids[2]]) expect(countOf(await frame((f) => f['id'] === id))).toBe(last.waitingCount);
    expect(frames.filter((f) => f['id'] === ids[1])).toEqual([]);
    socket.close();
  });
});

describe('which operations share', () => {
  const shared = (source: string, operationName?: string) => isSharedOperation(parse(source), operationName);

  it('only subscriptions whose root fields are all listed, without fragments or directives', () => {
    expect(shared('subscription { waitingRoom(slotId: "x") { type } }')).toBe(true);
    expect(shared('subscription A { events { id } } subscription B { waitingRoom(slotId: "x") { type } }', 'B')).toBe(
      true,
    );
    expect(shared('subscription A { events { id } } subscription B { waitingRoom(slotId: "x") { type } }', 'A')).toBe(
      false,
    );
    expect(shared('subscription { events { id type payload } }')).toBe(false);
    expect(shared('subscription { matchFound { type peer { id email } } }')).toBe(false);
    expect(shared('subscription { interviewSession(interviewId: "x") { type } }')).toBe(false);
    expect(shared('subscription { ...F } fragment F on Subscription { waitingRoom(slotId: "x") { type } }')).toBe(
      false,
    );
    expect(shared('subscription { waitingRoom(slotId: "x") @include(if: true) { type } }')).toBe(false);
    expect(shared('query { waitingRoom(slotId: "x") { waitingCount } }')).toBe(false);
  });

  it('the listed fields return types whose every field reads the same for every viewer', () => {
    // Adding a field to these types (or listing another subscription) must be
    // reviewed for viewer dependence: update this list only after that review.
    const reviewed: Record<string, string[]> = {
      WaitingRoomEvent: ['type', 'slotId', 'waitingCount', 'byDifficulty', 'at'],
      DifficultyCount: ['difficulty', 'count'],
    };
    const subscription = schema.getSubscriptionType()!.getFields();
    expect([...SHARED_SUBSCRIPTION_FIELDS].map((f) => String(subscription[f]!.type))).toEqual(['WaitingRoomEvent!']);
    for (const [typeName, fields] of Object.entries(reviewed)) {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
      expect(Object.keys(type.getFields()).sort()).toEqual([...fields].sort());
      for (const field of Object.values(type.getFields())) {
        expect(
          (field.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions?.authScopes,
        ).toBeUndefined();
      }
    }
  });
});
