// Instant interviews (the "call" flow) over real sockets, PostgreSQL and
// Redis: request, accept, reject, cancel, expire, and every refusal.
import { graphql } from './generated/gql.js';
import {
  admitted,
  codes,
  connectWs,
  gql,
  ok,
  subscribe,
  type GqlResponse,
  type WsConnection,
} from './support/client.js';
import { registerUser, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

const Request = graphql(`
  mutation InstantRequest($input: InstantInterviewInput!) {
    requestInstantInterview(input: $input) {
      id
      type
      difficulty
      status
      reason
      createdAt
      expiresAt
      respondedAt
      requester {
        id
      }
      addressee {
        id
      }
      interview {
        id
      }
    }
  }
`);
const Respond = graphql(`
  mutation InstantRespond($requestId: ID!, $accept: Boolean!, $reason: String) {
    respondToInstantRequest(requestId: $requestId, accept: $accept, reason: $reason) {
      id
      status
      reason
      respondedAt
      interview {
        id
        type
        status
        slot {
          id
          startsAt
          endsAt
          type
        }
        participants {
          user {
            id
          }
          role
          difficulty
        }
      }
    }
  }
`);
const Cancel = graphql(`
  mutation InstantCancel($requestId: ID!) {
    cancelInstantRequest(requestId: $requestId) {
      id
      status
      respondedAt
    }
  }
`);
const Pending = graphql(`
  query InstantPending {
    myInstantRequests {
      id
      status
      requester {
        id
      }
      addressee {
        id
      }
    }
  }
`);
const SetAvailability = graphql(`
  mutation InstantSetAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      id
    }
  }
`);
const Events = graphql(`
  subscription InstantEvents($after: String) {
    events(after: $after) {
      id
      type
      payload
      interview {
        id
        status
      }
    }
  }
`);
const Latest = graphql(`
  query InstantLatest {
    notifications(first: 1) {
      edges {
        node {
          id
        }
      }
    }
  }
`);
const InterviewQ = graphql(`
  query InstantInterviewQ($id: ID!) {
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

let stack: Awaited<ReturnType<typeof startTestStack>>;
const sockets: WsConnection[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack.close();
});

/** Opens a signed-in socket and resolves once the server has admitted it (the user is online). */
async function connect(user: TestUser): Promise<WsConnection> {
  const conn = connectWs(stack.wsUrl, user.token);
  sockets.push(conn);
  return admitted(conn);
}

/** A user online with a socket whose `events` stream starts now (after their newest stored event). */
async function onlineUser(name: string, availability: 'AVAILABLE' | 'BUSY' | 'OFFLINE' | null = 'AVAILABLE') {
  const user = await registerUser(stack.url, name);
  const conn = await connect(user);
  if (availability) await ok(stack.url, SetAvailability, { availability }, { token: user.token });
  const latest = await ok(stack.url, Latest, {}, { token: user.token });
  const sub = subscribe(conn, Events, { after: latest.notifications.edges[0]?.node.id ?? '0' });
  return {
    ...user,
    conn,
    async next() {
      const r = await sub.next();
      expect(r.errors).toBeUndefined();
      return r.data!.events;
    },
    pending: () => sub.pending(),
  };
}

const ask = (
  from: TestUser,
  to: TestUser,
  input: { type?: 'BEHAVIORAL' | 'TECHNICAL'; difficulty?: 'EASY' | 'MEDIUM' | 'HARD' } = {},
) =>
  gql(
    stack.url,
    Request,
    { input: { peerId: to.id, type: input.type ?? 'TECHNICAL', difficulty: input.difficulty ?? 'MEDIUM' } },
    { token: from.token },
  );
const asked = async (from: TestUser, to: TestUser, input?: Parameters<typeof ask>[2]) => {
  const res = await ask(from, to, input);
  expect(res.errors).toBeUndefined();
  return res.data!.requestInstantInterview;
};
const respond = (user: TestUser, requestId: string, accept: boolean, reason?: string) =>
  gql(stack.url, Respond, { requestId, accept, reason }, { token: user.token });
const cancel = (user: TestUser, requestId: string) => gql(stack.url, Cancel, { requestId }, { token: user.token });
const conflictReason = (res: GqlResponse<unknown>) => ({
  code: codes(res)[0],
  reason: res.errors?.[0]?.extensions?.['reason'],
  message: res.errors?.[0]?.message,
});

describe('accept', () => {
  it('creates an interview at once on an instant slot of its own, with both participants, and tells both', async () => {
    const [requester, peer] = [await onlineUser('Caller'), await onlineUser('Callee')];
    const request = await asked(requester, peer, { type: 'BEHAVIORAL', difficulty: 'HARD' });
    expect(request).toMatchObject({
      type: 'BEHAVIORAL',
      difficulty: 'HARD',
      status: 'PENDING',
      reason: null,
      respondedAt: null,
      interview: null,
      requester: { id: requester.id },
      addressee: { id: peer.id },
    });
    expect(new Date(request.expiresAt).getTime() - new Date(request.createdAt).getTime()).toBe(60_000);

    const received = await peer.next();
    expect(received).toMatchObject({
      type: 'INSTANT_REQUEST_RECEIVED',
      interview: null,
      payload: {
        requestId: request.id,
        fromUserId: requester.id,
        type: 'BEHAVIORAL',
        difficulty: 'HARD',
        expiresAt: request.expiresAt,
      },
    });
    // Both see it among their pending requests.
    for (const u of [requester, peer]) {
      expect((await ok(stack.url, Pending, {}, { token: u.token })).myInstantRequests).toEqual([
        { id: request.id, status: 'PENDING', requester: { id: requester.id }, addressee: { id: peer.id } },
      ]);
    }

    const before = Date.now();
    const res = await respond(peer, request.id, true);
    expect(res.errors).toBeUndefined();
    const accepted = res.data!.respondToInstantRequest;
    expect(accepted).toMatchObject({ id: request.id, status: 'ACCEPTED', reason: null });
    const interview = accepted.interview!;
    expect(interview).toMatchObject({ type: 'BEHAVIORAL', status: 'SCHEDULED', slot: { type: 'BEHAVIORAL' } });
    const startsAt = new Date(interview.slot.startsAt).getTime();
    expect(startsAt).toBeGreaterThanOrEqual(before - 1000);
    expect(startsAt).toBeLessThanOrEqual(Date.now());
    expect(new Date(interview.slot.endsAt).getTime() - startsAt).toBe(60 * 60_000);
    expect(interview.participants).toEqual(
      expect.arrayContaining([
        { user: { id: requester.id }, role: 'INTERVIEWEE', difficulty: 'HARD' },
        { user: { id: peer.id }, role: 'INTERVIEWER', difficulty: 'HARD' },
      ]),
    );
    expect(interview.participants).toHaveLength(2);

    const [slot] = await stack.db.query(`SELECT instant FROM "Slot" WHERE id = $1`, [interview.slot.id]);
    expect(slot).toEqual({ instant: true });
    const bookings = await stack.db.query(`SELECT "bookingId" FROM "InterviewParticipant" WHERE "interviewId" = $1`, [
      interview.id,
    ]);
    expect(bookings).toEqual([{ bookingId: null }, { bookingId: null }]);

    for (const u of [requester, peer]) {
      expect(await u.next()).toMatchObject({
        type: 'INSTANT_REQUEST_ACCEPTED',
        interview: { id: interview.id, status: 'SCHEDULED' },
        payload: { requestId: request.id, byUserId: peer.id },
      });
      expect((await ok(stack.url, InterviewQ, { id: interview.id }, { token: u.token })).interview!.id).toBe(
        interview.id,
      );
      expect((await ok(stack.url, Pending, {}, { token: u.token })).myInstantRequests).toEqual([]);
    }

    // Both are now in an interview under way: nobody can call either of them.
    const third = await onlineUser('Third');
    for (const target of [requester, peer]) {
      await ok(stack.url, SetAvailability, { availability: 'AVAILABLE' }, { token: target.token });
      expect(conflictReason(await ask(third, target))).toMatchObject({
        code: 'CONFLICT',
        reason: 'BUSY',
        message: expect.stringMatching(/interview/),
      });
    }
  });

  it('is refused when the addressee has meanwhile accepted another call', async () => {
    const [first, second, callee] = [await onlineUser('First'), await onlineUser('Second'), await onlineUser('Callee')];
    const a = await asked(first, callee);
    const b = await asked(second, callee);
    expect((await respond(callee, a.id, true)).errors).toBeUndefined();
    expect(conflictReason(await respond(callee, b.id, true))).toMatchObject({
      code: 'CONFLICT',
      reason: 'IN_INTERVIEW',
    });
    // Declining it is still possible.
    expect((await respond(callee, b.id, false)).data!.respondToInstantRequest.status).toBe('REJECTED');
  });
});

describe('reject', () => {
  it('stores the reason and tells the requester (and the addressee’s other devices)', async () => {
    const [requester, peer] = [await onlineUser('Caller'), await onlineUser('Callee')];
    const request = await asked(requester, peer);
    await peer.next(); // RECEIVED

    expect(codes(await respond(peer, request.id, false, 'x'.repeat(501)))).toEqual(['BAD_USER_INPUT']);
    const res = await respond(peer, request.id, false, '  In a meeting, try at 3  ');
    expect(res.data!.respondToInstantRequest).toMatchObject({
      status: 'REJECTED',
      reason: 'In a meeting, try at 3',
      interview: null,
    });
    expect(res.data!.respondToInstantRequest.respondedAt).not.toBeNull();
    for (const u of [requester, peer]) {
      expect(await u.next()).toMatchObject({
        type: 'INSTANT_REQUEST_REJECTED',
        interview: null,
        payload: { requestId: request.id, byUserId: peer.id, reason: 'In a meeting, try at 3' },
      });
    }
    // Answered once: not again, either way.
    expect(conflictReason(await respond(peer, request.id, true))).toMatchObject({
      code: 'CONFLICT',
      message: 'This request is already rejected.',
    });
    // The pair may try again now that nothing is pending.
    expect((await ask(requester, peer)).errors).toBeUndefined();
  });
});

describe('cancel', () => {
  it('the requester withdraws; the request can then be neither answered nor cancelled again', async () => {
    const [requester, peer] = [await onlineUser('Caller'), await onlineUser('Callee')];
    const request = await asked(requester, peer);
    await peer.next(); // RECEIVED

    expect(codes(await cancel(peer, request.id))).toEqual(['FORBIDDEN']);
    const res = await cancel(requester, request.id);
    expect(res.data!.cancelInstantRequest).toMatchObject({ id: request.id, status: 'CANCELLED' });
    expect(res.data!.cancelInstantRequest.respondedAt).not.toBeNull();
    expect(conflictReason(await respond(peer, request.id, true))).toMatchObject({
      code: 'CONFLICT',
      message: 'This request is already cancelled.',
    });
    expect(conflictReason(await cancel(requester, request.id))).toMatchObject({ code: 'CONFLICT' });
    expect((await ok(stack.url, Pending, {}, { token: peer.token })).myInstantRequests).toEqual([]);
    // The addressee hears the cancellation (their UI stops ringing).
    const stored = await stack.db.query(
      `SELECT type FROM "Event" WHERE "userId" = $1 AND type::text LIKE 'INSTANT%' ORDER BY seq`,
      [peer.id],
    );
    expect(stored).toEqual([{ type: 'INSTANT_REQUEST_RECEIVED' }, { type: 'INSTANT_REQUEST_CANCELLED' }]);
  });
});

describe('expiry', () => {
  it('the expiry run marks unanswered requests EXPIRED after 60 s and tells both', async () => {
    const [requester, peer] = [await onlineUser('Caller'), await onlineUser('Callee')];
    const request = await asked(requester, peer);
    await peer.next(); // RECEIVED
    const { instant } = stack.app.services;

    const status = async () =>
      (await stack.db.query(`SELECT status FROM "InstantRequest" WHERE id = $1`, [request.id]))[0]!['status'] as string;
    await instant.expireDue(new Date(Date.now() + 30_000));
    expect(await status()).toBe('PENDING');
    expect(await instant.expireDue(new Date(Date.now() + 61_000))).toBeGreaterThanOrEqual(1);
    expect(await status()).toBe('EXPIRED');
    for (const u of [requester, peer]) {
      expect(await u.next()).toMatchObject({ type: 'INSTANT_REQUEST_EXPIRED', payload: { requestId: request.id } });
    }
    const [row] = await stack.db.query(`SELECT status, "respondedAt" FROM "InstantRequest" WHERE id = $1`, [
      request.id,
    ]);
    expect(row).toEqual({ status: 'EXPIRED', respondedAt: null });
    expect(conflictReason(await respond(peer, request.id, true))).toMatchObject({
      code: 'CONFLICT',
      message: 'This request is already expired.',
    });
    // Expired once: a second run finds nothing more of it.
    await instant.expireDue(new Date(Date.now() + 61_000));
    expect(requester.pending() + peer.pending()).toBe(0);
    expect(stack.app.jobs.map((j) => j.name)).toContain('expire-instant-requests');
  });

  it('a request past its expiry is refused even before the run has marked it, and no longer counts as pending', async () => {
    const [requester, peer] = [await onlineUser('Caller'), await onlineUser('Callee')];
    const request = await asked(requester, peer);
    await stack.db.query(`UPDATE "InstantRequest" SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [
      request.id,
    ]);

    expect(conflictReason(await respond(peer, request.id, true))).toMatchObject({
      code: 'CONFLICT',
      message: 'This request has expired.',
    });
    expect(conflictReason(await cancel(requester, request.id))).toMatchObject({
      code: 'CONFLICT',
      message: 'This request has expired.',
    });
    expect((await ok(stack.url, Pending, {}, { token: peer.token })).myInstantRequests).toEqual([]);
    const [{ count }] = (await stack.db.query(
      `SELECT count(*)::int AS count FROM "Interview" i JOIN "InterviewParticipant" p ON p."interviewId" = i.id WHERE p."userId" = $1`,
      [peer.id],
    )) as [{ count: number }];
    expect(count).toBe(0);
    // It no longer blocks the pair either.
    const again = await asked(requester, peer);
    expect(again.status).toBe('PENDING');
  });
});

describe('refusals', () => {
  it('one pending request per pair, in either direction', async () => {
    const [a, b] = [await onlineUser('A'), await onlineUser('B')];
    const first = await asked(a, b);
    expect(conflictReason(await ask(a, b))).toEqual({
      code: 'CONFLICT',
      reason: 'PENDING',
      message: 'You already have a pending request to this user.',
    });
    const back = await ask(b, a);
    expect(conflictReason(back)).toMatchObject({
      code: 'CONFLICT',
      reason: 'PENDING',
      message: expect.stringMatching(/respond/),
    });
    expect(back.errors![0]!.extensions!['requestId']).toBe(first.id);
  });

  it('two users calling each other at the same moment: exactly one request is made', async () => {
    const [a, b] = [await onlineUser('A'), await onlineUser('B')];
    const results = await Promise.all([ask(a, b), ask(b, a), ask(a, b), ask(b, a)]);
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.filter((r) => r.errors).map((r) => conflictReason(r).reason)).toEqual([
      'PENDING',
      'PENDING',
      'PENDING',
    ]);
  });

  it('the peer must be someone else, online and AVAILABLE', async () => {
    const me = await onlineUser('Me');
    expect(conflictReason(await ask(me, me))).toMatchObject({
      code: 'CONFLICT',
      reason: 'SELF',
      message: expect.stringMatching(/yourself/),
    });

    const notConnected = await registerUser(stack.url, 'NotConnected');
    await ok(stack.url, SetAvailability, { availability: 'AVAILABLE' }, { token: notConnected.token });
    expect(conflictReason(await ask(me, notConnected))).toMatchObject({
      code: 'CONFLICT',
      reason: 'OFFLINE',
      message: expect.stringMatching(/offline/),
    });

    const busy = await onlineUser('Busy', 'BUSY');
    expect(conflictReason(await ask(me, busy))).toMatchObject({
      code: 'CONFLICT',
      reason: 'BUSY',
      message: expect.stringMatching(/busy/),
    });

    const away = await onlineUser('Away', 'OFFLINE');
    expect(conflictReason(await ask(me, away))).toMatchObject({
      code: 'CONFLICT',
      reason: 'OFFLINE',
      message: expect.stringMatching(/offline/),
    });

    // A new user is OFFLINE until they say otherwise, even when connected.
    const fresh = await onlineUser('Fresh', null);
    expect(conflictReason(await ask(me, fresh))).toMatchObject({ code: 'CONFLICT', reason: 'OFFLINE' });

    const unknown = await ask(me, { ...me, id: '00000000-0000-4000-8000-000000000000' });
    expect(codes(unknown)).toEqual(['NOT_FOUND']);
    expect(codes(await ask(me, { ...me, id: 'not-a-uuid' }))).toEqual(['BAD_USER_INPUT']);
    // Nothing refused reached anyone.
    const [{ count }] = (await stack.db.query(
      `SELECT count(*)::int AS count FROM "InstantRequest" WHERE "requesterId" = $1`,
      [me.id],
    )) as [{ count: number }];
    expect(count).toBe(0);
  });

  it('at most 5 requests per user in 10 minutes: the 6th is RATE_LIMITED', async () => {
    const [requester, peer] = [await onlineUser('Caller'), await onlineUser('Callee')];
    for (let i = 0; i < 5; i++) {
      const r = await asked(requester, peer);
      expect((await cancel(requester, r.id)).errors).toBeUndefined();
    }
    const sixth = await ask(requester, peer);
    expect(codes(sixth)).toEqual(['RATE_LIMITED']);
    expect(sixth.errors![0]!.extensions!['retryAfterSeconds']).toBeGreaterThan(500);
    // It is the requester's budget, not the pair's: the peer may still call.
    expect((await ask(peer, requester)).errors).toBeUndefined();
  });
});

describe('authorization', () => {
  it('only the addressee responds, only the requester cancels; anyone else learns nothing', async () => {
    const [requester, peer, stranger] = [
      await onlineUser('Caller'),
      await onlineUser('Callee'),
      await onlineUser('Stranger'),
    ];
    const request = await asked(requester, peer);

    expect(codes(await respond(requester, request.id, true))).toEqual(['FORBIDDEN']);
    for (const res of [
      await respond(stranger, request.id, true),
      await respond(stranger, request.id, false),
      await cancel(stranger, request.id),
    ]) {
      expect(codes(res)).toEqual(['NOT_FOUND']);
      expect(res.errors![0]!.message).toBe('Instant request not found.');
    }
    expect((await ok(stack.url, Pending, {}, { token: stranger.token })).myInstantRequests).toEqual([]);
    // A missing request reads the same as someone else's.
    expect(codes(await respond(stranger, '00000000-0000-4000-8000-000000000000', true))).toEqual(['NOT_FOUND']);
    expect(codes(await respond(peer, 'nope', true))).toEqual(['BAD_USER_INPUT']);

    const anonymous = [
      await gql(stack.url, Request, { input: { peerId: peer.id, type: 'TECHNICAL', difficulty: 'EASY' } }),
      await gql(stack.url, Respond, { requestId: request.id, accept: true }),
      await gql(stack.url, Cancel, { requestId: request.id }),
      await gql(stack.url, Pending, {}),
    ];
    expect(anonymous.map(codes)).toEqual([
      ['UNAUTHENTICATED'],
      ['UNAUTHENTICATED'],
      ['UNAUTHENTICATED'],
      ['UNAUTHENTICATED'],
    ]);
    // None of that changed the request.
    expect((await respond(peer, request.id, false)).data!.respondToInstantRequest.status).toBe('REJECTED');
  });
});
