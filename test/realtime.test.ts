import { graphql } from './generated/gql.js';
import { codes, connectWs, gql, ok, subscribe, type WsConnection } from './support/client.js';
import { book, createSlot, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

const Slots = graphql(`
  query Slots($from: DateTime, $to: DateTime, $type: InterviewType) {
    slots(from: $from, to: $to, type: $type) {
      id
      startsAt
      endsAt
      type
      bookedCount
      waitingCount
    }
  }
`);
const CreateSlotOp = graphql(`
  mutation CreateSlotOp($input: CreateSlotInput!) {
    createSlot(input: $input) {
      id
      startsAt
      endsAt
    }
  }
`);
const BookSlotOp = graphql(`
  mutation BookSlotOp($input: BookSlotInput!) {
    bookSlot(input: $input) {
      id
      status
      difficulty
      slot {
        id
      }
      user {
        id
      }
      interview {
        id
      }
    }
  }
`);
const CancelBooking = graphql(`
  mutation CancelBooking($bookingId: ID!) {
    cancelBooking(bookingId: $bookingId) {
      id
      status
    }
  }
`);
const MyBookings = graphql(`
  query MyBookings {
    myBookings {
      id
      status
      difficulty
      slot {
        id
      }
      interview {
        id
        status
      }
    }
  }
`);
const Join = graphql(`
  mutation Join($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      id
      status
      joinedAt
    }
  }
`);
const Leave = graphql(`
  mutation Leave($bookingId: ID!) {
    leaveWaitingRoom(bookingId: $bookingId) {
      id
      status
    }
  }
`);
const Room = graphql(`
  query Room($slotId: ID!) {
    waitingRoom(slotId: $slotId) {
      slot {
        id
      }
      waitingCount
      byDifficulty {
        difficulty
        count
      }
    }
  }
`);
const Pair = graphql(`
  mutation Pair($slotId: ID!) {
    pairWaitingRoom(slotId: $slotId) {
      id
      status
      type
      participants {
        user {
          id
        }
        role
        difficulty
      }
    }
  }
`);
const RoomEvents = graphql(`
  subscription RoomEvents($slotId: ID!) {
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
const MatchFound = graphql(`
  subscription MatchFound {
    matchFound {
      type
      at
      interview {
        id
        status
        participants {
          user {
            id
          }
          role
        }
      }
      peer {
        id
        name
        email
      }
    }
  }
`);
const Events = graphql(`
  subscription Events($after: String) {
    events(after: $after) {
      id
      type
      at
      payload
      interview {
        id
        status
      }
    }
  }
`);
const Notifications = graphql(`
  query Notifications($first: Int, $after: String) {
    notifications(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          type
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
const InterviewQ = graphql(`
  query InterviewQ($id: ID!) {
    interview(id: $id) {
      id
      status
      participants {
        user {
          id
        }
      }
    }
  }
`);
const MyInterviews = graphql(`
  query MyInterviews($first: Int, $after: String) {
    myInterviews(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          status
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let admin: TestUser;
const sockets: WsConnection[] = [];
const ws = (user?: TestUser) => {
  const c = connectWs(stack.wsUrl, user?.token);
  sockets.push(c);
  return c;
};

beforeAll(async () => {
  stack = await startTestStack({ ADMIN_EMAILS: 'admin@example.com' });
  admin = await registerAdmin(stack.url, stack.db.url, 'admin@example.com');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack.close();
});

describe('slots', () => {
  it('createSlot is for admins; users get FORBIDDEN and strangers UNAUTHENTICATED', async () => {
    const user = await registerUser(stack.url);
    const input = {
      startsAt: new Date(Date.now() + 86_400_000).toISOString().replace(/:\d\d\.\d+Z$/, ':00.000Z'),
      durationMinutes: 60,
      type: 'BEHAVIORAL' as const,
    };
    expect(codes(await gql(stack.url, CreateSlotOp, { input }, { token: user.token }))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(stack.url, CreateSlotOp, { input }))).toEqual(['UNAUTHENTICATED']);
    const created = await ok(stack.url, CreateSlotOp, { input }, { token: admin.token });
    expect(new Date(created.createSlot.endsAt).getTime() - new Date(created.createSlot.startsAt).getTime()).toBe(
      3_600_000,
    );
  });

  it('accepts any offset and stores UTC', async () => {
    const res = await ok(
      stack.url,
      CreateSlotOp,
      { input: { startsAt: '2099-01-01T10:00:00+02:00', durationMinutes: 30, type: 'TECHNICAL' } },
      { token: admin.token },
    );
    expect(res.createSlot.startsAt).toBe('2099-01-01T08:00:00.000Z');
  });

  it.each([
    ['in the past', { startsAt: '2020-01-01T10:00:00Z', durationMinutes: 60 }, 'startsAt'],
    ['not on a whole minute', { startsAt: '2099-01-01T10:00:30Z', durationMinutes: 60 }, 'startsAt'],
    ['too short', { startsAt: '2099-01-01T10:00:00Z', durationMinutes: 5 }, 'durationMinutes'],
  ])('refuses a slot %s with BAD_USER_INPUT', async (_label, input, field) => {
    const res = await gql(stack.url, CreateSlotOp, { input: { ...input, type: 'TECHNICAL' } }, { token: admin.token });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.message).toContain(field);
  });

  it('lists slots in a range with booked and waiting counts', async () => {
    const slot = await createSlot(stack.url, admin, 60 * 24 * 3, 'BEHAVIORAL');
    const [a, b] = [await registerUser(stack.url), await registerUser(stack.url)];
    await book(stack.url, a, slot.id, 'EASY');
    await book(stack.url, b, slot.id, 'HARD');
    const from = new Date(new Date(slot.startsAt).getTime() - 1000).toISOString();
    const to = new Date(new Date(slot.startsAt).getTime() + 1000).toISOString();
    // waitingCount is for signed-in users (test/waiting-room-visibility.test.ts).
    const opts = { token: a.token };
    const { slots } = await ok(stack.url, Slots, { from, to, type: 'BEHAVIORAL' }, opts);
    expect(slots).toEqual([expect.objectContaining({ id: slot.id, bookedCount: 2, waitingCount: 0 })]);
    expect((await ok(stack.url, Slots, { from, to, type: 'TECHNICAL' }, opts)).slots).toEqual([]);
    expect(codes(await gql(stack.url, Slots, { from: to, to: from }, opts))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('bookings', () => {
  it('books, refuses a second booking and an overlapping one with CONFLICT, and lists mine', async () => {
    const user = await registerUser(stack.url);
    const slot = await createSlot(stack.url, admin, 60 * 24 * 4);
    const overlapping = await createSlot(stack.url, admin, 60 * 24 * 4 + 30, 'BEHAVIORAL');
    const booking = (
      await ok(stack.url, BookSlotOp, { input: { slotId: slot.id, difficulty: 'MEDIUM' } }, { token: user.token })
    ).bookSlot;
    expect(booking).toMatchObject({
      status: 'BOOKED',
      difficulty: 'MEDIUM',
      slot: { id: slot.id },
      user: { id: user.id },
      interview: null,
    });
    const again = await gql(
      stack.url,
      BookSlotOp,
      { input: { slotId: slot.id, difficulty: 'EASY' } },
      { token: user.token },
    );
    expect(codes(again)).toEqual(['CONFLICT']);
    const clash = await gql(
      stack.url,
      BookSlotOp,
      { input: { slotId: overlapping.id, difficulty: 'EASY' } },
      { token: user.token },
    );
    expect(codes(clash)).toEqual(['CONFLICT']);
    expect(clash.errors![0]!.message).toMatch(/overlaps/);
    expect((await ok(stack.url, MyBookings, {}, { token: user.token })).myBookings.map((b) => b.id)).toEqual([
      booking.id,
    ]);
  });

  it('of overlapping slots booked at the same time, exactly one is booked', async () => {
    const user = await registerUser(stack.url);
    const slots = await Promise.all(
      [0, 15, 30, 45].map((m) => createSlot(stack.url, admin, 60 * 24 * 9 + m, m % 30 ? 'BEHAVIORAL' : 'TECHNICAL')),
    );
    const results = await Promise.all(
      slots.map((slot) =>
        gql(stack.url, BookSlotOp, { input: { slotId: slot.id, difficulty: 'EASY' } }, { token: user.token }),
      ),
    );
    expect(results.filter((r) => r.data?.bookSlot).length).toBe(1);
    expect(results.flatMap(codes).sort()).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT']);
    const stored = await stack.db.query('SELECT id FROM "Booking" WHERE "userId" = $1', [user.id]);
    expect(stored).toHaveLength(1);
  });

  it('refuses an ended slot, an unknown id and a malformed id', async () => {
    const user = await registerUser(stack.url);
    const slot = await createSlot(stack.url, admin, 60 * 24 * 5);
    await stack.db.query(
      `UPDATE "Slot" SET "startsAt" = now() - interval '2 hours', "endsAt" = now() - interval '1 hour' WHERE id = $1`,
      [slot.id],
    );
    expect(
      codes(
        await gql(stack.url, BookSlotOp, { input: { slotId: slot.id, difficulty: 'EASY' } }, { token: user.token }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      codes(
        await gql(
          stack.url,
          BookSlotOp,
          { input: { slotId: '00000000-0000-4000-8000-000000000000', difficulty: 'EASY' } },
          { token: user.token },
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    expect(
      codes(await gql(stack.url, BookSlotOp, { input: { slotId: 'nope', difficulty: 'EASY' } }, { token: user.token })),
    ).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(stack.url, BookSlotOp, { input: { slotId: slot.id, difficulty: 'EASY' } }))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });

  it("someone else's booking is FORBIDDEN; cancelling twice is CONFLICT; booking again revives it", async () => {
    const [owner, other] = [await registerUser(stack.url), await registerUser(stack.url)];
    const slot = await createSlot(stack.url, admin, 60 * 24 * 6);
    const b = await book(stack.url, owner, slot.id, 'EASY');
    expect(codes(await gql(stack.url, CancelBooking, { bookingId: b.id }, { token: other.token }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes(await gql(stack.url, Join, { bookingId: b.id }, { token: other.token }))).toEqual(['FORBIDDEN']);
    expect((await ok(stack.url, CancelBooking, { bookingId: b.id }, { token: owner.token })).cancelBooking.status).toBe(
      'CANCELLED',
    );
    expect(codes(await gql(stack.url, CancelBooking, { bookingId: b.id }, { token: owner.token }))).toEqual([
      'CONFLICT',
    ]);
    const again = await book(stack.url, owner, slot.id, 'HARD');
    expect(again).toMatchObject({ id: b.id, status: 'BOOKED', difficulty: 'HARD' });
  });
});

describe('waiting room', () => {
  it('opens WAITING_ROOM_OPENS_MINUTES before the start', async () => {
    const user = await registerUser(stack.url);
    const later = await createSlot(stack.url, admin, 60 * 24 * 7);
    const b = await book(stack.url, user, later.id, 'EASY');
    const res = await gql(stack.url, Join, { bookingId: b.id }, { token: user.token });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.message).toMatch(/opens at/);
  });

  it('join and leave change counts and reach room subscribers, who learn no identities', async () => {
    const slot = await createSlot(stack.url, admin, 5);
    const [watcher, mover, stranger] = [
      await registerUser(stack.url),
      await registerUser(stack.url),
      await registerUser(stack.url),
    ];
    await book(stack.url, watcher, slot.id, 'EASY');
    const b = await book(stack.url, mover, slot.id, 'HARD');

    const anon = subscribe(ws(), RoomEvents, { slotId: slot.id });
    expect((await anon.next()).errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');

    const conn = ws(watcher);
    const sub = subscribe(conn, RoomEvents, { slotId: slot.id });
    // The subscription is live once the server answers a query on the same socket after it.
    await ok(stack.url, Room, { slotId: slot.id }, { token: watcher.token });
    await waitUntilSubscribed(conn);

    expect((await ok(stack.url, Join, { bookingId: b.id }, { token: mover.token })).joinWaitingRoom.status).toBe(
      'WAITING',
    );
    const joined = (await sub.next()).data!.waitingRoom;
    expect(joined).toMatchObject({ type: 'JOIN_ROOM', slotId: slot.id, waitingCount: 1 });
    expect(joined.byDifficulty).toEqual([
      { difficulty: 'EASY', count: 0 },
      { difficulty: 'MEDIUM', count: 0 },
      { difficulty: 'HARD', count: 1 },
    ]);
    expect((await ok(stack.url, Room, { slotId: slot.id }, { token: stranger.token })).waitingRoom.waitingCount).toBe(
      1,
    );
    // Joining twice is harmless.
    await ok(stack.url, Join, { bookingId: b.id }, { token: mover.token });

    expect((await ok(stack.url, Leave, { bookingId: b.id }, { token: mover.token })).leaveWaitingRoom.status).toBe(
      'BOOKED',
    );
    expect((await sub.next()).data!.waitingRoom).toMatchObject({ type: 'LEAVE_ROOM', waitingCount: 0 });
    expect(codes(await gql(stack.url, Leave, { bookingId: b.id }, { token: mover.token }))).toEqual(['CONFLICT']);
    sub.stop();
  });
});

/** graphql-ws has no subscribe ack; a query answered on the same socket proves earlier subscribes were set up. */
async function waitUntilSubscribed(conn: WsConnection) {
  const Ping = graphql(`
    query Ping {
      __typename
    }
  `);
  const s = subscribe(conn, Ping);
  await s.next();
}

describe("matching (the contract's example, end to end)", () => {
  it('pairs {E1,E2} and {M1,H1}; H2 keeps waiting and hears nothing', async () => {
    const slot = await createSlot(stack.url, admin, 5, 'TECHNICAL');
    const names = ['E1', 'E2', 'M1', 'H1', 'H2'] as const;
    const level = { E1: 'EASY', E2: 'EASY', M1: 'MEDIUM', H1: 'HARD', H2: 'HARD' } as const;
    const users = Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, await registerUser(stack.url, n)] as const)),
    );
    const subs = Object.fromEntries(
      names.map((n) => {
        const conn = ws(users[n]);
        return [n, { conn, match: subscribe(conn, MatchFound), events: subscribe(conn, Events, {}) }] as const;
      }),
    );
    await Promise.all(names.map((n) => waitUntilSubscribed(subs[n]!.conn)));
    const bookings: Record<string, string> = {};
    for (const n of names) {
      bookings[n] = (await book(stack.url, users[n]!, slot.id, level[n])).id;
      await ok(stack.url, Join, { bookingId: bookings[n] }, { token: users[n]!.token });
    }
    const user = await registerUser(stack.url);
    expect(codes(await gql(stack.url, Pair, { slotId: slot.id }, { token: user.token }))).toEqual(['FORBIDDEN']);

    const { pairWaitingRoom } = await ok(stack.url, Pair, { slotId: slot.id }, { token: admin.token });
    expect(pairWaitingRoom).toHaveLength(2);
    const pairs = pairWaitingRoom.map((i) => i.participants.map((p) => p.user.id).sort());
    expect(pairs).toEqual(
      expect.arrayContaining([[users.E1!.id, users.E2!.id].sort(), [users.M1!.id, users.H1!.id].sort()]),
    );
    for (const i of pairWaitingRoom) {
      expect(i.status).toBe('SCHEDULED');
      expect(i.type).toBe('TECHNICAL');
      expect(i.participants.map((p) => p.role).sort()).toEqual(['INTERVIEWEE', 'INTERVIEWER']);
    }
    const peerOf = { E1: 'E2', E2: 'E1', M1: 'H1', H1: 'M1' } as const;
    for (const n of ['E1', 'E2', 'M1', 'H1'] as const) {
      const m = (await subs[n]!.match.next()).data!.matchFound;
      expect(m.type).toBe('MATCHED');
      expect(m.peer).toEqual({ id: users[peerOf[n]]!.id, name: peerOf[n], email: null });
      expect(m.interview.participants.map((p) => p.user.id)).toContain(users[n]!.id);
      const e = (await subs[n]!.events.next()).data!.events;
      expect(e).toMatchObject({
        type: 'MATCHED',
        interview: { id: m.interview.id },
        payload: { peerId: users[peerOf[n]]!.id },
      });
    }
    // H2: nothing stored, nothing delivered, still waiting.
    expect((await ok(stack.url, Notifications, {}, { token: users.H2!.token })).notifications.edges).toEqual([]);
    expect(subs.H2!.match.pending() + subs.H2!.events.pending()).toBe(0);
    const h2 = (await ok(stack.url, MyBookings, {}, { token: users.H2!.token })).myBookings[0]!;
    expect(h2.status).toBe('WAITING');
    const e1 = (await ok(stack.url, MyBookings, {}, { token: users.E1!.token })).myBookings[0]!;
    expect(e1).toMatchObject({ status: 'MATCHED', interview: { status: 'SCHEDULED' } });
    expect((await ok(stack.url, Room, { slotId: slot.id }, { token: users.H2!.token })).waitingRoom.waitingCount).toBe(
      1,
    );

    // Cancelling a match: the interview is cancelled, the peer hears MATCH_CANCELLED and waits again.
    const cancelled = await ok(stack.url, CancelBooking, { bookingId: bookings.M1! }, { token: users.M1!.token });
    expect(cancelled.cancelBooking.status).toBe('CANCELLED');
    const note = (await subs.H1!.events.next()).data!.events;
    expect(note).toMatchObject({ type: 'MATCH_CANCELLED', interview: { status: 'CANCELLED' } });
    const h1 = (await ok(stack.url, MyBookings, {}, { token: users.H1!.token })).myBookings[0]!;
    expect(h1).toMatchObject({ status: 'WAITING', interview: null });
    // The next run pairs H1 with H2.
    const rerun = await ok(stack.url, Pair, { slotId: slot.id }, { token: admin.token });
    expect(rerun.pairWaitingRoom.map((i) => i.participants.map((p) => p.user.id).sort())).toEqual([
      [users.H1!.id, users.H2!.id].sort(),
    ]);

    // Interviews are visible to participants and admins only.
    const interviewId = pairWaitingRoom[0]!.id;
    const participant = pairWaitingRoom[0]!.participants[0]!.user.id;
    const token = Object.values(users).find((u) => u.id === participant)!.token;
    expect((await ok(stack.url, InterviewQ, { id: interviewId }, { token })).interview?.id).toBe(interviewId);
    expect((await ok(stack.url, InterviewQ, { id: interviewId }, { token: admin.token })).interview?.id).toBe(
      interviewId,
    );
    expect(codes(await gql(stack.url, InterviewQ, { id: interviewId }, { token: user.token }))).toEqual(['NOT_FOUND']);
    const mine = await ok(stack.url, MyInterviews, { first: 1 }, { token: users.H1!.token });
    expect(mine.myInterviews.edges).toHaveLength(1);
    expect(mine.myInterviews.pageInfo.hasNextPage).toBe(true);
  });
});

describe('page arguments', () => {
  // Found by test/faults/fuzz.test.ts: Pothos refused these itself, which came out as INTERNAL_SERVER_ERROR.
  const badCursor = Buffer.from('GPC:S:not-a-uuid').toString('base64');
  it.each<[string, { first?: number; after?: string }, string]>([
    ['myInterviews', { first: -1 }, 'first'],
    ['myInterviews', { after: 'x' }, 'after'],
    ['myInterviews', { after: badCursor }, 'after'],
    ['notifications', { after: 'x' }, 'after'],
  ])('%s(%j) is BAD_USER_INPUT naming the argument', async (field, vars, arg) => {
    const user = await registerUser(stack.url);
    const opts = { token: user.token };
    const res =
      field === 'myInterviews'
        ? await gql(stack.url, MyInterviews, vars, opts)
        : await gql(stack.url, Notifications, vars, opts);
    expect(res.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['field']])).toEqual([
      ['BAD_USER_INPUT', arg],
    ]);
    expect(res.errors![0]!.message).toMatch(new RegExp(`^${arg}: `));
  });
});

describe('event stream', () => {
  it('replays after a cursor, then continues live, with no duplicate at the seam', async () => {
    const slot = await createSlot(stack.url, admin, 5, 'BEHAVIORAL');
    const [a, b, c] = [await registerUser(stack.url), await registerUser(stack.url), await registerUser(stack.url)];
    const [ba, bb, bc] = [
      await book(stack.url, a, slot.id, 'EASY'),
      await book(stack.url, b, slot.id, 'EASY'),
      await book(stack.url, c, slot.id, 'EASY'),
    ];
    for (const [u, bk] of [
      [a, ba],
      [b, bb],
    ] as const)
      await ok(stack.url, Join, { bookingId: bk.id }, { token: u.token });
    await ok(stack.url, Pair, { slotId: slot.id }, { token: admin.token }); // a: MATCHED (1)
    await ok(stack.url, CancelBooking, { bookingId: bb.id }, { token: b.token }); // a: MATCH_CANCELLED (2)
    await ok(stack.url, Join, { bookingId: bc.id }, { token: c.token });

    const page = await ok(stack.url, Notifications, { first: 1 }, { token: a.token });
    expect(page.notifications.edges.map((e) => e.node.type)).toEqual(['MATCH_CANCELLED']);
    expect(page.notifications.pageInfo.hasNextPage).toBe(true);
    const rest = await ok(
      stack.url,
      Notifications,
      { first: 10, after: page.notifications.pageInfo.endCursor },
      { token: a.token },
    );
    expect(rest.notifications.edges.map((e) => e.node.type)).toEqual(['MATCHED']);
    const firstId = rest.notifications.edges[0]!.node.id;

    const conn = ws(a);
    const stream = subscribe(conn, Events, { after: firstId });
    const replayed = (await stream.next()).data!.events;
    expect(replayed.type).toBe('MATCH_CANCELLED');
    expect(BigInt(replayed.id)).toBe(BigInt(firstId) + 1n);
    await ok(stack.url, Pair, { slotId: slot.id }, { token: admin.token }); // a: MATCHED again (3)
    const live = (await stream.next()).data!.events;
    expect(live.type).toBe('MATCHED');
    expect(BigInt(live.id)).toBe(BigInt(replayed.id) + 1n);
    expect(stream.pending()).toBe(0);

    expect(codes(await gql(stack.url, Notifications, { first: 0 }, { token: a.token }))).toEqual(['BAD_USER_INPUT']);
    const bad = subscribe(conn, Events, { after: 'not-a-cursor' });
    expect((await bad.next()).errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });
});
