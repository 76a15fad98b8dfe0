// The interview session end to end over real PostgreSQL, Redis and graphql-ws:
// both participants' views, showing up across instances, authorization,
// no-shows and the time limit (job code called with a chosen `now`), video.
import { decodeToken04 } from '../src/domain/zego-token.js';
import { watchKey } from '../src/services/interviews.js';
import { graphql } from './generated/gql.js';
import { codes, connectWs, gql, ok, subscribe, type Subscription, type WsConnection } from './support/client.js';
import { book, matchPair, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startServer, startTestStack, type TestServer } from './support/server.js';

const ZEGO_APP_ID = 1234567890;
const ZEGO_SECRET = 'fa94dd0f974cf2e293728a526b028271';
const GRACE_MINUTES = 15;
const NO_SHOW_MINUTES = 5;

const SessionStart = graphql(`
  mutation SessionStart($id: ID!) {
    startInterview(interviewId: $id) {
      id
      status
      startedAt
      participants {
        user {
          id
        }
        role
        joinedAt
      }
    }
  }
`);
const SessionEnd = graphql(`
  mutation SessionEnd($id: ID!) {
    endInterview(interviewId: $id) {
      id
      status
      endedAt
    }
  }
`);
const SessionSwap = graphql(`
  mutation SessionSwap($id: ID!) {
    swapRoles(interviewId: $id) {
      id
      participants {
        user {
          id
        }
        role
      }
    }
  }
`);
const SessionFeedback = graphql(`
  mutation SessionFeedback($input: SubmitFeedbackInput!) {
    submitFeedback(input: $input) {
      id
      author {
        id
      }
      subject {
        id
      }
    }
  }
`);
const SessionWatch = graphql(`
  subscription SessionWatch($id: ID!) {
    interviewSession(interviewId: $id) {
      type
      at
      payload
      actor {
        id
      }
      interview {
        id
        status
      }
    }
  }
`);
const SessionEvents = graphql(`
  subscription SessionEvents($after: String) {
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
const SessionInterview = graphql(`
  query SessionInterview($id: ID!) {
    interview(id: $id) {
      id
      status
      startedAt
      endedAt
      participants {
        user {
          id
        }
        role
        joinedAt
      }
      video {
        provider
        appId
        roomId
        token
        expiresAt
      }
      feedback {
        id
      }
    }
  }
`);
const SessionBookings = graphql(`
  query SessionBookings {
    myBookings {
      id
      status
      slot {
        id
      }
      interview {
        id
      }
    }
  }
`);
const SessionJoin = graphql(`
  mutation SessionJoin($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      id
      status
    }
  }
`);
const SessionStats = graphql(`
  query SessionStats {
    myStats {
      noShows
      completed
    }
  }
`);
const SessionStartFull = graphql(`
  mutation SessionStartFull($id: ID!) {
    startInterview(interviewId: $id) {
      status
      feedback {
        author {
          id
        }
      }
      video {
        provider
      }
    }
  }
`);
const SessionSwapFull = graphql(`
  mutation SessionSwapFull($id: ID!) {
    swapRoles(interviewId: $id) {
      feedback {
        author {
          id
        }
      }
      video {
        provider
      }
    }
  }
`);
const SessionEndFull = graphql(`
  mutation SessionEndFull($id: ID!) {
    endInterview(interviewId: $id) {
      status
      feedback {
        author {
          id
        }
      }
      video {
        provider
      }
    }
  }
`);
const SessionPing = graphql(`
  query SessionPing {
    __typename
  }
`);

type Stack = Awaited<ReturnType<typeof startTestStack>>;
let stack: Stack;
let admin: TestUser;
const sockets: WsConnection[] = [];
const extraServers: TestServer[] = [];

const ws = (user?: TestUser, server: { wsUrl: string } = stack) => {
  const c = connectWs(server.wsUrl, user?.token);
  sockets.push(c);
  return c;
};

/** graphql-ws has no subscribe ack; a query answered on the same socket proves earlier subscribes were set up. */
async function subscribed(conn: WsConnection) {
  const s = subscribe(conn, SessionPing);
  await s.next();
}

// Online/offline and availability reach the same streams (presence); this file is about the session.
const UNRELATED = new Set(['USER_ONLINE', 'USER_OFFLINE', 'AVAILABILITY_CHANGED']);

/** A user's live `events` stream, ready before it returns, without presence events. */
async function eventsOf(user: TestUser) {
  const conn = ws(user);
  const sub = subscribe(conn, SessionEvents, {});
  await subscribed(conn);
  const filtered: Pick<typeof sub, 'next' | 'stop'> = {
    async next(timeoutMs?: number) {
      for (;;) {
        const r = await sub.next(timeoutMs);
        if (!r.data || !UNRELATED.has(r.data.events.type)) return r;
      }
    },
    stop: () => sub.stop(),
  };
  return filtered;
}

/** The events stored for a user about one interview, in order: what their stream carried, with nothing extra. */
const storedTypes = async (interviewId: string, user: TestUser) =>
  (
    await stack.db.query<{ type: string }>(
      `SELECT type FROM "Event" WHERE "interviewId" = $1 AND "userId" = $2 ORDER BY seq`,
      [interviewId, user.id],
    )
  ).map((r) => r.type);

async function nextData<T>(sub: Pick<Subscription<T>, 'next'>): Promise<T> {
  const r = await sub.next();
  if (r.errors?.length || !r.data) throw new Error(`subscription error: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** Waits for a condition the server reaches asynchronously (a closed subscription's cleanup). */
async function until(check: () => Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const interviews = () => stack.app.services.interviews;
const slotTimes = async (interviewId: string) => {
  const [row] = await stack.db.query<{ startsAt: Date; endsAt: Date; matchedAt: Date }>(
    `SELECT s."startsAt", s."endsAt", i."matchedAt" FROM "Interview" i JOIN "Slot" s ON s.id = i."slotId" WHERE i.id = $1`,
    [interviewId],
  );
  return row!;
};
const minutes = (at: Date, m: number) => new Date(at.getTime() + m * 60_000);
const users = (n: number) => Promise.all(Array.from({ length: n }, () => registerUser(stack.url)));

beforeAll(async () => {
  stack = await startTestStack({
    ADMIN_EMAILS: 'session-admin@example.com',
    ZEGO_APP_ID: String(ZEGO_APP_ID),
    ZEGO_SERVER_SECRET: ZEGO_SECRET,
    NO_SHOW_MINUTES: String(NO_SHOW_MINUTES),
    SESSION_GRACE_MINUTES: String(GRACE_MINUTES),
  });
  admin = await registerAdmin(stack.url, stack.db.url, 'session-admin@example.com');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  for (const s of extraServers) await s.app.stop();
  await stack.close();
});

describe('the full session, as both participants see it', () => {
  it('join, start (twice), swap, video, end, feedback both ways, leave', async () => {
    const [a, b] = await users(2);
    const { interviewId, participants } = await matchPair(stack.url, admin, a!, b!);
    const roleOf = (id: string) => participants.find((p) => p.user.id === id)!.role;
    const [eventsA, eventsB] = [await eventsOf(a!), await eventsOf(b!)];

    // A subscribes: B hears PEER_JOINED (stored, in B's stream); A hears nothing of their own arrival.
    const sessA = subscribe(ws(a), SessionWatch, { id: interviewId });
    expect((await nextData(eventsB)).events).toMatchObject({
      type: 'PEER_JOINED',
      payload: { userId: a!.id },
      interview: { id: interviewId },
    });
    // B subscribes: A hears it on the session channel and in their stream.
    const sessB = subscribe(ws(b), SessionWatch, { id: interviewId });
    expect((await nextData(sessA)).interviewSession).toMatchObject({
      type: 'PEER_JOINED',
      actor: { id: b!.id },
      payload: { userId: b!.id },
    });
    expect((await nextData(eventsA)).events).toMatchObject({ type: 'PEER_JOINED', payload: { userId: b!.id } });

    const before = (await ok(stack.url, SessionInterview, { id: interviewId }, { token: a!.token })).interview!;
    expect(before.status).toBe('SCHEDULED');
    expect(before.participants.every((p) => p.joinedAt !== null)).toBe(true);

    // A starts: both hear SESSION_STARTED on both channels.
    const started = (await ok(stack.url, SessionStart, { id: interviewId }, { token: a!.token })).startInterview;
    expect(started.status).toBe('IN_PROGRESS');
    for (const [sess, events] of [
      [sessA, eventsA],
      [sessB, eventsB],
    ] as const) {
      expect((await nextData(sess)).interviewSession).toMatchObject({
        type: 'SESSION_STARTED',
        actor: { id: a!.id },
        interview: { id: interviewId, status: 'IN_PROGRESS' },
        payload: { startedAt: started.startedAt },
      });
      expect((await nextData(events)).events).toMatchObject({
        type: 'SESSION_STARTED',
        interview: { id: interviewId },
      });
    }

    // B starts too: harmless, same state, no second event (the next one each sees is the swap).
    const again = (await ok(stack.url, SessionStart, { id: interviewId }, { token: b!.token })).startInterview;
    expect(again).toMatchObject({ status: 'IN_PROGRESS', startedAt: started.startedAt });

    const swapped = (await ok(stack.url, SessionSwap, { id: interviewId }, { token: b!.token })).swapRoles;
    const swappedRoles = Object.fromEntries(swapped.participants.map((p) => [p.user.id, p.role]));
    expect(swappedRoles[a!.id]).not.toBe(roleOf(a!.id));
    expect(swappedRoles[b!.id]).not.toBe(roleOf(b!.id));
    expect(new Set(Object.values(swappedRoles))).toEqual(new Set(['INTERVIEWER', 'INTERVIEWEE']));
    for (const [sess, events] of [
      [sessA, eventsA],
      [sessB, eventsB],
    ] as const) {
      const e = (await nextData(sess)).interviewSession;
      expect(e).toMatchObject({ type: 'ROLES_SWAPPED', actor: { id: b!.id } });
      expect(e.payload).toEqual({
        roles: expect.arrayContaining([
          { userId: a!.id, role: swappedRoles[a!.id] },
          { userId: b!.id, role: swappedRoles[b!.id] },
        ]),
      });
      expect((await nextData(events)).events.type).toBe('ROLES_SWAPPED');
    }

    // Video: each participant gets a token for their own id and this interview's room only.
    const { endsAt } = await slotTimes(interviewId);
    for (const u of [a!, b!]) {
      const video = (await ok(stack.url, SessionInterview, { id: interviewId }, { token: u.token })).interview!.video!;
      expect(video).toMatchObject({ provider: 'zego', appId: ZEGO_APP_ID, roomId: `mockmate-${interviewId}` });
      const decoded = decodeToken04(video.token, ZEGO_SECRET);
      expect(decoded.plaintext).toMatchObject({ app_id: ZEGO_APP_ID, user_id: u.id });
      expect(decoded.payload).toEqual({
        room_id: `mockmate-${interviewId}`,
        privilege: { 1: 1, 2: 1 },
        stream_id_list: null,
      });
      const expire = minutes(endsAt, GRACE_MINUTES);
      expect(decoded.expire).toBe(expire.getTime() / 1000);
      expect(decoded.plaintext.expire).toBe(expire.getTime() / 1000);
      expect(new Date(video.expiresAt)).toEqual(expire);
      expect(() => decodeToken04(video.token, 'x'.repeat(32))).toThrow(/does not decrypt/);
    }
    // Admins may read the interview, but get no video.
    const asAdmin = (await ok(stack.url, SessionInterview, { id: interviewId }, { token: admin.token })).interview!;
    expect(asAdmin).toMatchObject({ id: interviewId, video: null });

    // A ends it: both hear SESSION_ENDED; ending twice is CONFLICT with the state machine's words.
    const ended = (await ok(stack.url, SessionEnd, { id: interviewId }, { token: a!.token })).endInterview;
    expect(ended.status).toBe('COMPLETED');
    for (const [sess, events] of [
      [sessA, eventsA],
      [sessB, eventsB],
    ] as const) {
      expect((await nextData(sess)).interviewSession).toMatchObject({
        type: 'SESSION_ENDED',
        actor: { id: a!.id },
        payload: { endedAt: ended.endedAt, reason: 'ended-by-participant' },
        interview: { status: 'COMPLETED' },
      });
      expect((await nextData(events)).events.type).toBe('SESSION_ENDED');
    }
    const twice = await gql(stack.url, SessionEnd, { id: interviewId }, { token: b!.token });
    expect(codes(twice)).toEqual(['CONFLICT']);
    expect(twice.errors![0]!.message).toBe('The interview has already ended.');
    expect(codes(await gql(stack.url, SessionStart, { id: interviewId }, { token: b!.token }))).toEqual(['CONFLICT']);
    expect(codes(await gql(stack.url, SessionSwap, { id: interviewId }, { token: b!.token }))).toEqual(['CONFLICT']);
    expect(
      (await ok(stack.url, SessionInterview, { id: interviewId }, { token: a!.token })).interview!.video,
    ).toBeNull();

    // Feedback both ways: each hears FEEDBACK_RECEIVED from the other.
    const fromA = (
      await ok(
        stack.url,
        SessionFeedback,
        { input: { interviewId, communication: 4, goodMatch: 5 } },
        { token: a!.token },
      )
    ).submitFeedback;
    expect(fromA).toMatchObject({ author: { id: a!.id }, subject: { id: b!.id } });
    expect((await nextData(sessB)).interviewSession).toMatchObject({
      type: 'FEEDBACK_RECEIVED',
      actor: { id: a!.id },
      payload: { feedbackId: fromA.id },
    });
    expect((await nextData(eventsB)).events).toMatchObject({
      type: 'FEEDBACK_RECEIVED',
      payload: { feedbackId: fromA.id, fromUserId: a!.id },
    });
    expect((await nextData(sessA)).interviewSession.type).toBe('FEEDBACK_RECEIVED');
    // Visibility: B does not see A's feedback until B has given theirs.
    const feedbackIds = async (u: TestUser) =>
      (await ok(stack.url, SessionInterview, { id: interviewId }, { token: u.token }))
        .interview!.feedback.map((f) => f.id)
        .sort();
    expect(await feedbackIds(a!)).toEqual([fromA.id]);
    expect(await feedbackIds(b!)).toEqual([]);
    const fromB = (
      await ok(
        stack.url,
        SessionFeedback,
        { input: { interviewId, communication: 3, goodMatch: 2 } },
        { token: b!.token },
      )
    ).submitFeedback;
    expect((await nextData(eventsA)).events).toMatchObject({
      type: 'FEEDBACK_RECEIVED',
      payload: { feedbackId: fromB.id, fromUserId: b!.id },
    });
    for (const sess of [sessA, sessB])
      expect((await nextData(sess)).interviewSession).toMatchObject({
        type: 'FEEDBACK_RECEIVED',
        actor: { id: b!.id },
      });
    expect(await feedbackIds(a!)).toEqual([fromA.id, fromB.id].sort());
    expect(await feedbackIds(b!)).toEqual([fromA.id, fromB.id].sort());

    // A leaves: B hears PEER_LEFT on both channels. Nothing else was left undelivered.
    sessA.stop();
    expect((await nextData(sessB)).interviewSession).toMatchObject({ type: 'PEER_LEFT', actor: { id: a!.id } });
    expect((await nextData(eventsB)).events).toMatchObject({ type: 'PEER_LEFT', payload: { userId: a!.id } });
    expect(sessB.pending()).toBe(0);
    const common = ['MATCHED', 'PEER_JOINED', 'SESSION_STARTED', 'ROLES_SWAPPED', 'SESSION_ENDED', 'FEEDBACK_RECEIVED'];
    expect(await storedTypes(interviewId, a!)).toEqual(common);
    expect(await storedTypes(interviewId, b!)).toEqual([...common, 'PEER_LEFT']);
    sessB.stop();
  });

  it('startInterview alone counts as showing up: the peer hears PEER_JOINED once, then SESSION_STARTED', async () => {
    const [a, b] = await users(2);
    const { interviewId } = await matchPair(stack.url, admin, a!, b!);
    const eventsB = await eventsOf(b!);
    const started = (await ok(stack.url, SessionStart, { id: interviewId }, { token: a!.token })).startInterview;
    expect(started.participants.find((p) => p.user.id === a!.id)!.joinedAt).not.toBeNull();
    expect(started.participants.find((p) => p.user.id === b!.id)!.joinedAt).toBeNull();
    expect((await nextData(eventsB)).events).toMatchObject({ type: 'PEER_JOINED', payload: { userId: a!.id } });
    expect((await nextData(eventsB)).events.type).toBe('SESSION_STARTED');
    // A second start by the same participant: nothing stored, nothing sent.
    await ok(stack.url, SessionStart, { id: interviewId }, { token: a!.token });
    await ok(stack.url, SessionSwap, { id: interviewId }, { token: a!.token });
    expect((await nextData(eventsB)).events.type).toBe('ROLES_SWAPPED');
    expect(await storedTypes(interviewId, b!)).toEqual(['MATCHED', 'PEER_JOINED', 'SESSION_STARTED', 'ROLES_SWAPPED']);
  });

  it('concurrent starts by both participants start the interview once', async () => {
    const [a, b] = await users(2);
    const { interviewId } = await matchPair(stack.url, admin, a!, b!);
    const results = await Promise.all(
      [a!, b!, a!, b!].map((u) => ok(stack.url, SessionStart, { id: interviewId }, { token: u.token })),
    );
    expect(new Set(results.map((r) => r.startInterview.startedAt)).size).toBe(1);
    const rows = await stack.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM "Event" WHERE "interviewId" = $1 AND type = 'SESSION_STARTED'`,
      [interviewId],
    );
    expect(Number(rows[0]!.n)).toBe(2);
  });

  it('start, swap and end return the fields read through a selection (feedback, video)', async () => {
    // Found by test/faults/fuzz.test.ts: these resolvers ignored the planned query, so
    // `feedback` read a row that never loaded it (INTERNAL_SERVER_ERROR).
    const [a, b] = await users(2);
    const { interviewId } = await matchPair(stack.url, admin, a!, b!);
    const opts = { token: a!.token };
    const started = await ok(stack.url, SessionStartFull, { id: interviewId }, opts);
    expect(started.startInterview).toMatchObject({ status: 'IN_PROGRESS', feedback: [], video: { provider: 'zego' } });
    await ok(stack.url, SessionFeedback, { input: { interviewId, communication: 4, goodMatch: 4 } }, opts);
    const swapped = await ok(stack.url, SessionSwapFull, { id: interviewId }, opts);
    expect(swapped.swapRoles.feedback.map((f) => f.author.id)).toEqual([a!.id]);
    const ended = await ok(stack.url, SessionEndFull, { id: interviewId }, opts);
    expect(ended.endInterview).toMatchObject({
      status: 'COMPLETED',
      video: null,
      feedback: [{ author: { id: a!.id } }],
    });
  });
});

describe('showing up across instances', () => {
  it('PEER_JOINED on the first watching subscription anywhere, PEER_LEFT when the last one closes', async () => {
    const other = await startServer(stack.env);
    extraServers.push(other);
    const [a, b] = await users(2);
    const { interviewId } = await matchPair(stack.url, admin, a!, b!);
    const sessB = subscribe(ws(b), SessionWatch, { id: interviewId });
    const eventsB = await eventsOf(b!);
    // B's own subscription has been recorded (the same lock orders everything after it).
    await until(async () => (await stack.app.infra.presence.count(watchKey(interviewId, b!.id))) === 1);

    const first = subscribe(ws(a, stack), SessionWatch, { id: interviewId });
    expect((await nextData(sessB)).interviewSession).toMatchObject({ type: 'PEER_JOINED', actor: { id: a!.id } });
    expect((await nextData(eventsB)).events.type).toBe('PEER_JOINED');
    const second = subscribe(ws(a, other), SessionWatch, { id: interviewId });
    await until(async () => (await stack.app.infra.presence.count(watchKey(interviewId, a!.id))) === 2);

    // Closing one of two: A is still watching, B hears nothing.
    first.stop();
    await until(async () => (await stack.app.infra.presence.count(watchKey(interviewId, a!.id))) === 1);
    await ok(stack.url, SessionSwap, { id: interviewId }, { token: b!.token });
    expect((await nextData(sessB)).interviewSession.type).toBe('ROLES_SWAPPED');
    expect((await nextData(eventsB)).events.type).toBe('ROLES_SWAPPED');
    expect((await nextData(second)).interviewSession.type).toBe('ROLES_SWAPPED');

    // Closing the last one, on the other instance: PEER_LEFT.
    second.stop();
    expect((await nextData(sessB)).interviewSession).toMatchObject({ type: 'PEER_LEFT', actor: { id: a!.id } });
    expect((await nextData(eventsB)).events).toMatchObject({ type: 'PEER_LEFT', payload: { userId: a!.id } });
    expect(await stack.app.infra.presence.count(watchKey(interviewId, a!.id))).toBe(0);
    sessB.stop();
  });
});

describe('authorization', () => {
  it('a third user learns nothing (NOT_FOUND), an admin may read but not act (FORBIDDEN), signed out is UNAUTHENTICATED', async () => {
    const [a, b, c] = await users(3);
    const { interviewId } = await matchPair(stack.url, admin, a!, b!);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const feedback = (id: string) => ({ input: { interviewId: id, communication: 3, goodMatch: 3 } });

    for (const id of [interviewId, unknown]) {
      expect(codes(await gql(stack.url, SessionInterview, { id }, { token: c!.token }))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(stack.url, SessionStart, { id }, { token: c!.token }))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(stack.url, SessionEnd, { id }, { token: c!.token }))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(stack.url, SessionSwap, { id }, { token: c!.token }))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(stack.url, SessionFeedback, feedback(id), { token: c!.token }))).toEqual(['NOT_FOUND']);
      const sub = subscribe(ws(c), SessionWatch, { id });
      expect((await sub.next()).errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    }
    // The unknown id and someone else's interview read exactly the same.
    const stranger = await gql(stack.url, SessionStart, { id: interviewId }, { token: c!.token });
    const missing = await gql(stack.url, SessionStart, { id: unknown }, { token: c!.token });
    expect(stranger.errors![0]!.message).toBe(missing.errors![0]!.message);

    expect(codes(await gql(stack.url, SessionStart, { id: interviewId }, { token: admin.token }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes(await gql(stack.url, SessionEnd, { id: interviewId }, { token: admin.token }))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(stack.url, SessionSwap, { id: interviewId }, { token: admin.token }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes(await gql(stack.url, SessionFeedback, feedback(interviewId), { token: admin.token }))).toEqual([
      'FORBIDDEN',
    ]);
    const adminSub = subscribe(ws(admin), SessionWatch, { id: interviewId });
    expect((await adminSub.next()).errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');

    expect(codes(await gql(stack.url, SessionStart, { id: interviewId }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gql(stack.url, SessionEnd, { id: interviewId }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gql(stack.url, SessionSwap, { id: interviewId }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gql(stack.url, SessionFeedback, feedback(interviewId)))).toEqual(['UNAUTHENTICATED']);
    const anon = subscribe(ws(), SessionWatch, { id: interviewId });
    expect((await anon.next()).errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(codes(await gql(stack.url, SessionStart, { id: 'nope' }, { token: a!.token }))).toEqual(['BAD_USER_INPUT']);

    // None of it touched the interview or told its participants anything.
    const view = (await ok(stack.url, SessionInterview, { id: interviewId }, { token: a!.token })).interview!;
    expect(view).toMatchObject({ status: 'SCHEDULED', feedback: [] });
    expect(view.participants.every((p) => p.joinedAt === null)).toBe(true);
    const rows = await stack.db.query(`SELECT type FROM "Event" WHERE "interviewId" = $1 AND type <> 'MATCHED'`, [
      interviewId,
    ]);
    expect(rows).toEqual([]);
  });

  it('the lifecycle refuses what the state machine refuses, with its reason', async () => {
    const [a, b] = await users(2);
    const { interviewId } = await matchPair(stack.url, admin, a!, b!);
    const early = await gql(stack.url, SessionEnd, { id: interviewId }, { token: a!.token });
    expect(codes(early)).toEqual(['CONFLICT']);
    expect(early.errors![0]!.message).toBe('The interview has not started yet.');
  });
});

describe('no-shows and the time limit (the interview-timeouts job, run with a chosen now)', () => {
  it('is registered as a job', () => {
    expect(stack.app.jobs.map((j) => j.name)).toContain('interview-timeouts');
  });

  it('one participant never shows: cancelled, both told; the one who came waits again and is re-paired; the other is EXPIRED', async () => {
    const [a, b, d] = await users(3);
    const { interviewId, slot } = await matchPair(stack.url, admin, a!, b!);
    const [eventsA, eventsB] = [await eventsOf(a!), await eventsOf(b!)];
    const sessA = subscribe(ws(a), SessionWatch, { id: interviewId });
    expect((await nextData(eventsB)).events.type).toBe('PEER_JOINED');

    const { startsAt, matchedAt } = await slotTimes(interviewId);
    const deadline = minutes(new Date(Math.max(startsAt.getTime(), matchedAt.getTime())), NO_SHOW_MINUTES);
    expect(await interviews().settle(interviewId, new Date(deadline.getTime() - 1000))).toBeNull();

    // Two instances settling it at the same moment cancel it once.
    expect(
      (
        await Promise.all([interviews().settle(interviewId, deadline), interviews().settle(interviewId, deadline)])
      ).filter(Boolean),
    ).toEqual(['no-show']);

    expect((await nextData(eventsA)).events).toMatchObject({
      type: 'MATCH_CANCELLED',
      interview: { id: interviewId, status: 'CANCELLED' },
      payload: { slotId: slot.id, byUserId: null, reason: expect.stringMatching(/back in the waiting room/) },
    });
    expect((await nextData(eventsB)).events).toMatchObject({
      type: 'MATCH_CANCELLED',
      payload: { reason: 'You did not show up in time.' },
    });
    expect((await nextData(sessA)).interviewSession).toMatchObject({
      type: 'MATCH_CANCELLED',
      actor: null,
      payload: { reason: 'no-show', noShowUserIds: [b!.id] },
    });

    const bookingOf = async (u: TestUser) =>
      (await ok(stack.url, SessionBookings, {}, { token: u.token })).myBookings.find((x) => x.slot.id === slot.id)!;
    expect(await bookingOf(a!)).toMatchObject({ status: 'WAITING', interview: null });
    expect(await bookingOf(b!)).toMatchObject({ status: 'EXPIRED' });
    const parts = await stack.db.query<{ userId: string; noShow: boolean; bookingId: string | null }>(
      `SELECT "userId", "noShow", "bookingId" FROM "InterviewParticipant" WHERE "interviewId" = $1`,
      [interviewId],
    );
    expect(Object.fromEntries(parts.map((p) => [p.userId, [p.noShow, p.bookingId]]))).toEqual({
      [a!.id]: [false, null],
      [b!.id]: [true, null],
    });
    expect((await ok(stack.url, SessionStats, {}, { token: b!.token })).myStats.noShows).toBe(1);
    expect((await ok(stack.url, SessionStats, {}, { token: a!.token })).myStats.noShows).toBe(0);
    // The cancelled interview no longer starts.
    expect(codes(await gql(stack.url, SessionStart, { id: interviewId }, { token: a!.token }))).toEqual(['CONFLICT']);

    // A newcomer waits in the same room: the next matching run pairs them with A.
    const bd = await book(stack.url, d!, slot.id, 'EASY');
    await ok(stack.url, SessionJoin, { bookingId: bd.id }, { token: d!.token });
    expect(await stack.app.services.matching.pairOpenRooms()).toMatchObject({ interviews: 1 });
    const matched = (await nextData(eventsA)).events;
    expect(matched).toMatchObject({ type: 'MATCHED', payload: { peerId: d!.id }, interview: { status: 'SCHEDULED' } });
    expect(matched.interview!.id).not.toBe(interviewId);
    expect(await bookingOf(a!)).toMatchObject({ status: 'MATCHED', interview: { id: matched.interview!.id } });
    // The no-show heard of it once, and nothing more.
    expect(await storedTypes(interviewId, b!)).toEqual(['MATCHED', 'PEER_JOINED', 'MATCH_CANCELLED']);
    expect(await storedTypes(interviewId, a!)).toEqual(['MATCHED', 'MATCH_CANCELLED']);
    sessA.stop();
  });

  it('neither shows: cancelled, both bookings EXPIRED, both marked no-show', async () => {
    const [a, b] = await users(2);
    const { interviewId, slot } = await matchPair(stack.url, admin, a!, b!);
    const eventsA = await eventsOf(a!);
    const { startsAt, matchedAt } = await slotTimes(interviewId);
    const deadline = minutes(new Date(Math.max(startsAt.getTime(), matchedAt.getTime())), NO_SHOW_MINUTES);
    // The job's own entry point finds it.
    expect((await interviews().runTimeouts(deadline))['no-show']).toBeGreaterThanOrEqual(1);
    expect((await ok(stack.url, SessionInterview, { id: interviewId }, { token: a!.token })).interview!.status).toBe(
      'CANCELLED',
    );
    expect((await nextData(eventsA)).events).toMatchObject({
      type: 'MATCH_CANCELLED',
      payload: { reason: 'You did not show up in time.' },
    });
    const bookings = await stack.db.query<{ status: string }>(`SELECT status FROM "Booking" WHERE "slotId" = $1`, [
      slot.id,
    ]);
    expect(bookings.map((x) => x.status)).toEqual(['EXPIRED', 'EXPIRED']);
    const parts = await stack.db.query<{ noShow: boolean }>(
      `SELECT "noShow" FROM "InterviewParticipant" WHERE "interviewId" = $1`,
      [interviewId],
    );
    expect(parts.map((p) => p.noShow)).toEqual([true, true]);
  });

  it('both showed up: no no-show; nobody started it by slot end + grace: cancelled, bookings over', async () => {
    const [a, b] = await users(2);
    const { interviewId, slot } = await matchPair(stack.url, admin, a!, b!);
    const eventsA = await eventsOf(a!);
    const sessB = subscribe(ws(b), SessionWatch, { id: interviewId });
    expect((await nextData(eventsA)).events.type).toBe('PEER_JOINED');
    const sessA = subscribe(ws(a), SessionWatch, { id: interviewId });
    expect((await nextData(sessB)).interviewSession.type).toBe('PEER_JOINED');
    const { endsAt, startsAt } = await slotTimes(interviewId);
    expect(await interviews().settle(interviewId, minutes(startsAt, 30))).toBeNull();
    expect(
      await interviews().settle(interviewId, new Date(minutes(endsAt, GRACE_MINUTES).getTime() - 1000)),
    ).toBeNull();
    expect(await interviews().settle(interviewId, minutes(endsAt, GRACE_MINUTES))).toBe('not-started');
    expect((await nextData(sessB)).interviewSession).toMatchObject({
      type: 'MATCH_CANCELLED',
      payload: { reason: 'not-started' },
    });
    expect((await nextData(eventsA)).events).toMatchObject({
      type: 'MATCH_CANCELLED',
      interview: { status: 'CANCELLED' },
    });
    const bookings = await stack.db.query<{ status: string }>(`SELECT status FROM "Booking" WHERE "slotId" = $1`, [
      slot.id,
    ]);
    expect(bookings.map((x) => x.status)).toEqual(['EXPIRED', 'EXPIRED']);
    sessA.stop();
    sessB.stop();
  });

  it('an interview still in progress at slot end + grace is ended with SESSION_ENDED (time-limit)', async () => {
    const [a, b] = await users(2);
    const { interviewId } = await matchPair(stack.url, admin, a!, b!);
    const eventsA = await eventsOf(a!);
    const sessB = subscribe(ws(b), SessionWatch, { id: interviewId });
    expect((await nextData(eventsA)).events.type).toBe('PEER_JOINED');
    await ok(stack.url, SessionStart, { id: interviewId }, { token: a!.token });
    expect((await nextData(sessB)).interviewSession.type).toBe('PEER_JOINED');
    expect((await nextData(sessB)).interviewSession.type).toBe('SESSION_STARTED');
    expect((await nextData(eventsA)).events.type).toBe('SESSION_STARTED');

    const { endsAt } = await slotTimes(interviewId);
    const limit = minutes(endsAt, GRACE_MINUTES);
    expect(await interviews().settle(interviewId, new Date(limit.getTime() - 1000))).toBeNull();
    // Two instances settling it at once end it once.
    expect(
      (await Promise.all([interviews().settle(interviewId, limit), interviews().settle(interviewId, limit)])).filter(
        Boolean,
      ),
    ).toEqual(['time-limit']);
    expect((await nextData(sessB)).interviewSession).toMatchObject({
      type: 'SESSION_ENDED',
      actor: null,
      payload: { reason: 'time-limit', endedAt: limit.toISOString() },
      interview: { status: 'COMPLETED' },
    });
    expect((await nextData(eventsA)).events).toMatchObject({
      type: 'SESSION_ENDED',
      payload: { reason: 'time-limit' },
    });
    const view = (await ok(stack.url, SessionInterview, { id: interviewId }, { token: b!.token })).interview!;
    expect(view).toMatchObject({ status: 'COMPLETED', endedAt: limit.toISOString(), video: null });
    sessB.stop();
  });
});
