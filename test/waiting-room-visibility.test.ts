// One rule for a waiting room's counts (issue 9, item 16): any signed-in user may see
// them, through the waitingRoom query, the waitingRoom subscription and
// slots { waitingCount } alike; signed out, none of the three.
import { graphql } from './generated/gql.js';
import { codes, connectWs, gql, ok, subscribe, type Subscription, type WsConnection } from './support/client.js';
import { book, createSlot, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

const Room = graphql(`
  query VisibilityRoom($slotId: ID!) {
    waitingRoom(slotId: $slotId) {
      waitingCount
    }
  }
`);
const RoomEvents = graphql(`
  subscription VisibilityRoomEvents($slotId: ID!) {
    waitingRoom(slotId: $slotId) {
      type
      waitingCount
    }
  }
`);
const SlotCounts = graphql(`
  query VisibilitySlots {
    slots {
      id
      waitingCount
    }
  }
`);
const SlotBooked = graphql(`
  query VisibilitySlotsBooked {
    slots {
      id
      bookedCount
    }
  }
`);
const Join = graphql(`
  mutation VisibilityJoin($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      status
    }
  }
`);
const Leave = graphql(`
  mutation VisibilityLeave($bookingId: ID!) {
    leaveWaitingRoom(bookingId: $bookingId) {
      status
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let admin: TestUser;
const sockets: WsConnection[] = [];
beforeAll(async () => {
  stack = await startTestStack({ ADMIN_EMAILS: 'visibility-admin@example.com' });
  admin = await registerAdmin(stack.url, stack.db.url, 'visibility-admin@example.com');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack?.close();
});
const ws = (user?: TestUser) => {
  const c = connectWs(stack.wsUrl, user?.token);
  sockets.push(c);
  return c;
};

/**
 * The first JOIN_ROOM the new subscription hears: the mover joins, and leaves and joins
 * again while the subscription is not yet listening (there is no subscribe acknowledgement).
 */
async function heardJoin(
  sub: Subscription<{ waitingRoom: { type: string; waitingCount: number } }>,
  mover: TestUser,
  bookingId: string,
) {
  await ok(stack.url, Join, { bookingId }, { token: mover.token });
  for (let attempt = 0; ; attempt++) {
    const heard = await sub.next(1_000).catch((err: unknown) => (attempt < 10 ? null : Promise.reject(err as Error)));
    if (heard?.errors || heard?.data?.waitingRoom.type === 'JOIN_ROOM') return heard;
    if (heard) continue; // a LEAVE_ROOM: its JOIN_ROOM follows
    await ok(stack.url, Leave, { bookingId }, { token: mover.token });
    await ok(stack.url, Join, { bookingId }, { token: mover.token });
  }
}

it('a signed-in user without a booking sees the counts everywhere: query, subscription and slots { waitingCount }', async () => {
  const slot = await createSlot(stack.url, admin, 5);
  const [mover, browser] = [await registerUser(stack.url), await registerUser(stack.url)];
  const booking = await book(stack.url, mover, slot.id, 'EASY');

  const sub = subscribe(ws(browser), RoomEvents, { slotId: slot.id });
  const event = await heardJoin(sub, mover, booking.id);
  expect(event.errors).toBeUndefined();
  expect(event.data!.waitingRoom).toEqual({ type: 'JOIN_ROOM', waitingCount: 1 });

  expect((await ok(stack.url, Room, { slotId: slot.id }, { token: browser.token })).waitingRoom.waitingCount).toBe(1);
  const { slots } = await ok(stack.url, SlotCounts, {}, { token: browser.token });
  expect(slots.find((s) => s.id === slot.id)?.waitingCount).toBe(1);
});

it('signed out, all three are UNAUTHENTICATED; the slot list without counts stays public', async () => {
  const slot = await createSlot(stack.url, admin, 5);
  expect(codes(await gql(stack.url, Room, { slotId: slot.id }))).toEqual(['UNAUTHENTICATED']);
  expect((await subscribe(ws(), RoomEvents, { slotId: slot.id }).next()).errors?.[0]?.extensions?.['code']).toBe(
    'UNAUTHENTICATED',
  );
  expect(codes(await gql(stack.url, SlotCounts, {}))).toEqual(['UNAUTHENTICATED']);
  expect((await ok(stack.url, SlotBooked, {})).slots.map((s) => s.id)).toContain(slot.id);
});

it('watching an unknown slot is NOT_FOUND', async () => {
  const user = await registerUser(stack.url);
  const res = await subscribe(ws(user), RoomEvents, { slotId: '00000000-0000-4000-8000-000000000000' }).next();
  expect(res.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
});
