// Feedback, history and progress over the real API: validation, once per
// participant, only after the start, the reveal rule, myInterviews with
// feedback, and myStats. This stack has no video settings.
import { graphql } from './generated/gql.js';
import { codes, gql, ok } from './support/client.js';
import { matchPair, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

const FbStart = graphql(`
  mutation FbStart($id: ID!) {
    startInterview(interviewId: $id) {
      id
      status
    }
  }
`);
const FbEnd = graphql(`
  mutation FbEnd($id: ID!) {
    endInterview(interviewId: $id) {
      id
      status
      endedAt
    }
  }
`);
const FbSubmit = graphql(`
  mutation FbSubmit($input: SubmitFeedbackInput!) {
    submitFeedback(input: $input) {
      id
      createdAt
      communication
      technical
      problemSolving
      goodMatch
      wouldPass
      strengths
      improvements
      author {
        id
      }
      subject {
        id
      }
      interview {
        id
      }
    }
  }
`);
const FbInterview = graphql(`
  query FbInterview($id: ID!) {
    interview(id: $id) {
      id
      status
      video {
        token
      }
      feedback {
        id
        author {
          id
        }
        subject {
          id
        }
        communication
      }
    }
  }
`);
const FbMyInterviews = graphql(`
  query FbMyInterviews($first: Int, $after: String) {
    myInterviews(first: $first, after: $after) {
      edges {
        node {
          id
          status
          type
          feedback {
            id
            author {
              id
            }
            subject {
              id
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
const FbStats = graphql(`
  query FbStats {
    myStats {
      completed
      completedByType {
        type
        count
      }
      feedbackReceived
      averageRatings {
        count
        communication
        technical
        problemSolving
        goodMatch
      }
      recentAverageRatings {
        count
        communication
        technical
        problemSolving
        goodMatch
      }
      noShows
    }
  }
`);
const FbBookings = graphql(`
  query FbBookings {
    myBookings {
      id
      interview {
        id
      }
    }
  }
`);
const FbCancel = graphql(`
  mutation FbCancel($bookingId: ID!) {
    cancelBooking(bookingId: $bookingId) {
      id
      status
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let admin: TestUser;
// Each user's slots are an hour apart (a user cannot book overlapping slots); the rooms open a day ahead.
let nextSlotHours = 0;

beforeAll(async () => {
  stack = await startTestStack({
    ADMIN_EMAILS: 'fb-admin@example.com',
    WAITING_ROOM_OPENS_MINUTES: String(3 * 24 * 60),
  });
  admin = await registerAdmin(stack.url, stack.db.url, 'fb-admin@example.com');
});
afterAll(async () => {
  await stack.close();
});

const pair = (a: TestUser, b: TestUser, type: 'BEHAVIORAL' | 'TECHNICAL' = 'TECHNICAL') =>
  matchPair(stack.url, admin, a, b, { startsInMinutes: 5 + 60 * nextSlotHours++, type });

async function started(a: TestUser, b: TestUser, type: 'BEHAVIORAL' | 'TECHNICAL' = 'TECHNICAL') {
  const { interviewId } = await pair(a, b, type);
  await ok(stack.url, FbStart, { id: interviewId }, { token: a.token });
  return interviewId;
}

async function completed(a: TestUser, b: TestUser, type: 'BEHAVIORAL' | 'TECHNICAL' = 'TECHNICAL') {
  const id = await started(a, b, type);
  await ok(stack.url, FbEnd, { id }, { token: a.token });
  return id;
}

const submit = (
  user: TestUser,
  interviewId: string,
  ratings: {
    communication?: number;
    goodMatch?: number;
    technical?: number | null;
    problemSolving?: number | null;
  } = {},
) =>
  ok(
    stack.url,
    FbSubmit,
    { input: { interviewId, communication: 3, goodMatch: 3, ...ratings } },
    { token: user.token },
  ).then((d) => d.submitFeedback);

const visibleTo = async (user: TestUser, interviewId: string) =>
  (await ok(stack.url, FbInterview, { id: interviewId }, { token: user.token }))
    .interview!.feedback.map((f) => f.id)
    .sort();

describe('submitFeedback', () => {
  it('refuses ratings outside 1–5 and texts over 2000 characters with BAD_USER_INPUT naming the field', async () => {
    const [a, b] = [await registerUser(stack.url), await registerUser(stack.url)];
    const interviewId = await started(a, b);
    const base = { interviewId, communication: 3, goodMatch: 3 };
    const cases: [Record<string, unknown>, string][] = [
      [{ communication: 0 }, 'communication'],
      [{ communication: 6 }, 'communication'],
      [{ goodMatch: -1 }, 'goodMatch'],
      [{ technical: 0 }, 'technical'],
      [{ problemSolving: 9 }, 'problemSolving'],
      [{ strengths: 'x'.repeat(2001) }, 'strengths'],
      [{ improvements: `  ${'y'.repeat(2001)}  ` }, 'improvements'],
    ];
    for (const [change, field] of cases) {
      const res = await gql(stack.url, FbSubmit, { input: { ...base, ...change } }, { token: a.token });
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.message).toContain(field);
    }
    // A wrong type is a client error as well.
    expect(
      codes(
        await gql(
          stack.url,
          FbSubmit,
          { input: { ...base, communication: 'five' as unknown as number } },
          { token: a.token },
        ),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    // Nothing was stored by any of those.
    expect(await visibleTo(a, interviewId)).toEqual([]);

    // 2000 characters after trimming is fine; blank text is no text; optional ratings may be left out.
    const given = await submit(a, interviewId, { technical: 5 });
    expect(given).toMatchObject({
      technical: 5,
      problemSolving: null,
      strengths: null,
      author: { id: a.id },
      subject: { id: b.id },
      interview: { id: interviewId },
    });
    const fromB = (
      await ok(
        stack.url,
        FbSubmit,
        { input: { ...base, wouldPass: true, strengths: `  ${'s'.repeat(2000)}\n`, improvements: '   ' } },
        { token: b.token },
      )
    ).submitFeedback;
    expect(fromB).toMatchObject({
      wouldPass: true,
      improvements: null,
      technical: null,
      author: { id: b.id },
      subject: { id: a.id },
    });
    expect(fromB.strengths).toHaveLength(2000);
  });

  it('once per participant and interview: a second submission is CONFLICT', async () => {
    const [a, b] = [await registerUser(stack.url), await registerUser(stack.url)];
    const interviewId = await completed(a, b);
    const first = await submit(a, interviewId);
    const again = await gql(
      stack.url,
      FbSubmit,
      { input: { interviewId, communication: 5, goodMatch: 5 } },
      { token: a.token },
    );
    expect(codes(again)).toEqual(['CONFLICT']);
    expect(again.errors![0]!.message).toMatch(/already given feedback/);
    expect(await visibleTo(a, interviewId)).toEqual([first.id]);
    // The peer still may, once.
    await submit(b, interviewId);
  });

  it('only once the interview has started: CONFLICT before the start and after a cancellation', async () => {
    const [a, b] = [await registerUser(stack.url), await registerUser(stack.url)];
    const { interviewId } = await pair(a, b);
    const early = await gql(
      stack.url,
      FbSubmit,
      { input: { interviewId, communication: 4, goodMatch: 4 } },
      { token: a.token },
    );
    expect(codes(early)).toEqual(['CONFLICT']);
    expect(early.errors![0]!.message).toMatch(/once the interview has started/);

    const booking = (await ok(stack.url, FbBookings, {}, { token: b.token })).myBookings.find(
      (x) => x.interview?.id === interviewId,
    )!;
    await ok(stack.url, FbCancel, { bookingId: booking.id }, { token: b.token });
    const late = await gql(
      stack.url,
      FbSubmit,
      { input: { interviewId, communication: 4, goodMatch: 4 } },
      { token: a.token },
    );
    expect(codes(late)).toEqual(['CONFLICT']);
    expect(late.errors![0]!.message).toBe('The interview was cancelled.');
  });
});

describe('who sees which feedback', () => {
  it('the author at once; the subject once both submitted; admins always; nobody else', async () => {
    const [a, b, c] = [await registerUser(stack.url), await registerUser(stack.url), await registerUser(stack.url)];
    const interviewId = await started(a, b);
    // Feedback may be given while the interview is still in progress.
    const fromA = await submit(a, interviewId);
    expect(await visibleTo(a, interviewId)).toEqual([fromA.id]);
    expect(await visibleTo(b, interviewId)).toEqual([]);
    expect(await visibleTo(admin, interviewId)).toEqual([fromA.id]);
    expect(codes(await gql(stack.url, FbInterview, { id: interviewId }, { token: c.token }))).toEqual(['NOT_FOUND']);

    const fromB = await submit(b, interviewId);
    expect(await visibleTo(a, interviewId)).toEqual([fromA.id, fromB.id].sort());
    expect(await visibleTo(b, interviewId)).toEqual([fromA.id, fromB.id].sort());
  });

  it('the subject sees it 48 hours after the end even without giving theirs', async () => {
    const [a, b] = [await registerUser(stack.url), await registerUser(stack.url)];
    const interviewId = await completed(a, b);
    const fromA = await submit(a, interviewId);
    await stack.db.query(`UPDATE "Interview" SET "endedAt" = now() - interval '47 hours 59 minutes' WHERE id = $1`, [
      interviewId,
    ]);
    expect(await visibleTo(b, interviewId)).toEqual([]);
    await stack.db.query(`UPDATE "Interview" SET "endedAt" = now() - interval '48 hours 1 second' WHERE id = $1`, [
      interviewId,
    ]);
    expect(await visibleTo(b, interviewId)).toEqual([fromA.id]);
  });

  it('video is null for everyone when the server has no ZEGO settings', async () => {
    const [a, b] = [await registerUser(stack.url), await registerUser(stack.url)];
    const { interviewId } = await pair(a, b);
    expect((await ok(stack.url, FbInterview, { id: interviewId }, { token: a.token })).interview!.video).toBeNull();
  });
});

describe('history and progress', () => {
  it('myInterviews (newest first) carries feedback; myStats counts completed per type, visible ratings overall and the last 5, no-shows', async () => {
    const x = await registerUser(stack.url, 'Progress');
    const peers = await Promise.all(Array.from({ length: 7 }, () => registerUser(stack.url)));
    const types = [
      'TECHNICAL',
      'TECHNICAL',
      'TECHNICAL',
      'TECHNICAL',
      'BEHAVIORAL',
      'BEHAVIORAL',
      'TECHNICAL',
    ] as const;
    // What each peer says about X, oldest first.
    const received = [
      { communication: 1, goodMatch: 1, technical: 5 },
      { communication: 2, goodMatch: 4 },
      { communication: 3, goodMatch: 4, technical: 3 },
      { communication: 4, goodMatch: 4 },
      { communication: 5, goodMatch: 4 },
      { communication: 5, goodMatch: 4 },
      { communication: 1, goodMatch: 1, technical: 1, problemSolving: 1 }, // hidden: X has not answered, and it is recent
    ];
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const id = await completed(x, peers[i]!, types[i]);
      ids.push(id);
      await submit(peers[i]!, id, received[i]);
      // X answers all but the first (revealed by time instead) and the last (still hidden).
      if (i !== 0 && i !== 6) await submit(x, id);
    }
    await stack.db.query(`UPDATE "Interview" SET "endedAt" = now() - interval '3 days' WHERE id = $1`, [ids[0]]);
    // One interview nobody showed up for (the timeouts job, run a month ahead).
    const { interviewId: missed } = await pair(await registerUser(stack.url), x);
    expect(await stack.app.services.interviews.settle(missed, new Date(Date.now() + 30 * 86_400_000))).toBe('no-show');

    const stats = (await ok(stack.url, FbStats, {}, { token: x.token })).myStats;
    expect(stats.completed).toBe(7);
    expect(stats.completedByType).toEqual([
      { type: 'BEHAVIORAL', count: 2 },
      { type: 'TECHNICAL', count: 5 },
    ]);
    expect(stats.feedbackReceived).toBe(6);
    expect(stats.noShows).toBe(1);
    expect(stats.averageRatings.count).toBe(6);
    expect(stats.averageRatings.communication).toBeCloseTo(20 / 6);
    expect(stats.averageRatings.goodMatch).toBeCloseTo(21 / 6);
    expect(stats.averageRatings.technical).toBeCloseTo(4);
    expect(stats.averageRatings.problemSolving).toBeNull();
    expect(stats.recentAverageRatings).toEqual({
      count: 5,
      communication: 3.8,
      goodMatch: 4,
      technical: 3,
      problemSolving: null,
    });

    // A newcomer has nothing yet, and nulls rather than zeros.
    const fresh = (await ok(stack.url, FbStats, {}, { token: (await registerUser(stack.url)).token })).myStats;
    expect(fresh).toEqual({
      completed: 0,
      completedByType: [
        { type: 'BEHAVIORAL', count: 0 },
        { type: 'TECHNICAL', count: 0 },
      ],
      feedbackReceived: 0,
      averageRatings: { count: 0, communication: null, technical: null, problemSolving: null, goodMatch: null },
      recentAverageRatings: { count: 0, communication: null, technical: null, problemSolving: null, goodMatch: null },
      noShows: 0,
    });
    expect(codes(await gql(stack.url, FbStats, {}))).toEqual(['UNAUTHENTICATED']);

    // History: newest match first, each node with the feedback X may see.
    const page1 = (await ok(stack.url, FbMyInterviews, { first: 3 }, { token: x.token })).myInterviews;
    const page2 = (
      await ok(stack.url, FbMyInterviews, { first: 10, after: page1.pageInfo.endCursor }, { token: x.token })
    ).myInterviews;
    const nodes = [...page1.edges, ...page2.edges].map((e) => e.node);
    expect(nodes.map((n) => n.id)).toEqual([missed, ...[...ids].reverse()]);
    const byId = Object.fromEntries(nodes.map((n) => [n.id, n]));
    expect(byId[ids[6]!]!.feedback).toEqual([]);
    expect(byId[ids[0]!]!.feedback).toEqual([
      expect.objectContaining({ author: { id: peers[0]!.id }, subject: { id: x.id } }),
    ]);
    expect(byId[ids[3]!]!.feedback.map((f) => f.author.id).sort()).toEqual([x.id, peers[3]!.id].sort());
    expect(byId[ids[3]!]!.type).toBe('TECHNICAL');
  });
});
