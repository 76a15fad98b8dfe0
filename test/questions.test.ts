// The question bank over the real API: the starter bank, admin CRUD, and the
// questions each participant gets when an interview is created (manual
// pairing, the matching job, an instant request), who sees what, the
// never-twice rule and its fallback.
import { graphql } from './generated/gql.js';
import { admitted, codes, connectWs, gql, ok, type WsConnection } from './support/client.js';
import { book, createSlot, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';
import { loadStarterQuestions } from '../src/services/questions.js';
import { pickQuestion } from '../src/domain/questions.js';

const Questions = graphql(`
  query QbQuestions($type: InterviewType, $difficulty: Difficulty, $first: Int, $after: String) {
    questions(type: $type, difficulty: $difficulty, first: $first, after: $after) {
      edges {
        node {
          id
          type
          difficulty
          title
          body
          hints
          archived
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
const Create = graphql(`
  mutation QbCreate($input: QuestionInput!) {
    createQuestion(input: $input) {
      id
      type
      difficulty
      title
      body
      hints
      archived
    }
  }
`);
const Update = graphql(`
  mutation QbUpdate($id: ID!, $input: QuestionInput!) {
    updateQuestion(id: $id, input: $input) {
      id
      title
      body
      hints
    }
  }
`);
const Archive = graphql(`
  mutation QbArchive($id: ID!) {
    archiveQuestion(id: $id) {
      id
      archived
    }
  }
`);
const Join = graphql(`
  mutation QbJoin($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      id
    }
  }
`);
const Pair = graphql(`
  mutation QbPair($slotId: ID!) {
    pairWaitingRoom(slotId: $slotId) {
      id
    }
  }
`);
const Start = graphql(`
  mutation QbStart($id: ID!) {
    startInterview(interviewId: $id) {
      id
    }
  }
`);
const End = graphql(`
  mutation QbEnd($id: ID!) {
    endInterview(interviewId: $id) {
      id
    }
  }
`);
const Swap = graphql(`
  mutation QbSwap($id: ID!) {
    swapRoles(interviewId: $id) {
      id
    }
  }
`);
const InterviewQs = graphql(`
  query QbInterview($id: ID!) {
    interview(id: $id) {
      id
      type
      participants {
        user {
          id
        }
        role
        difficulty
      }
      questions {
        id
        askedBy {
          id
        }
        askedTo {
          id
        }
        question {
          id
          type
          difficulty
          title
          body
          hints
        }
      }
    }
  }
`);
const SetAvailability = graphql(`
  mutation QbAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      id
    }
  }
`);
const RequestInstant = graphql(`
  mutation QbInstant($input: InstantInterviewInput!) {
    requestInstantInterview(input: $input) {
      id
    }
  }
`);
const Respond = graphql(`
  mutation QbRespond($requestId: ID!) {
    respondToInstantRequest(requestId: $requestId, accept: true) {
      interview {
        id
      }
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let admin: TestUser;
const sockets: WsConnection[] = [];
let nextHour = 0;

beforeAll(async () => {
  stack = await startTestStack({
    ADMIN_EMAILS: 'qb-admin@example.com',
    WAITING_ROOM_OPENS_MINUTES: String(30 * 24 * 60),
  });
  admin = await registerAdmin(stack.url, stack.db.url, 'qb-admin@example.com');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack.close();
});

type Difficulty = 'EASY' | 'MEDIUM' | 'HARD';
type Type = 'BEHAVIORAL' | 'TECHNICAL';

/** Books both into a fresh slot at their difficulties, joins the room, and pairs it (as an admin would, or the job). */
async function pair(
  a: TestUser,
  da: Difficulty,
  b: TestUser,
  db: Difficulty,
  type: Type = 'TECHNICAL',
  by: 'admin' | 'job' = 'admin',
) {
  const slot = await createSlot(stack.url, admin, 5 + 60 * nextHour++, type);
  for (const [u, d] of [
    [a, da],
    [b, db],
  ] as const) {
    const booking = await book(stack.url, u, slot.id, d);
    await ok(stack.url, Join, { bookingId: booking.id }, { token: u.token });
  }
  if (by === 'job') {
    await stack.app.services.matching.pairOpenRooms();
    const rows = await stack.db.query<{ id: string }>(`SELECT id FROM "Interview" WHERE "slotId" = $1`, [slot.id]);
    return rows[0]!.id;
  }
  return (await ok(stack.url, Pair, { slotId: slot.id }, { token: admin.token })).pairWaitingRoom[0]!.id;
}

const view = async (user: TestUser, id: string) =>
  (await ok(stack.url, InterviewQs, { id }, { token: user.token })).interview!;

async function allQuestions(vars: { type?: Type; difficulty?: Difficulty } = {}) {
  const out = [];
  let after: string | null | undefined;
  for (;;) {
    const page = (await ok(stack.url, Questions, { ...vars, first: 100, after }, { token: admin.token })).questions;
    out.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}

describe('starter bank', () => {
  it('ships 10 questions per type and difficulty, each with a title, a body and hints for technical ones', async () => {
    for (const type of ['BEHAVIORAL', 'TECHNICAL'] as const) {
      for (const difficulty of ['EASY', 'MEDIUM', 'HARD'] as const) {
        const qs = await allQuestions({ type, difficulty });
        expect(qs).toHaveLength(10);
        for (const q of qs) {
          expect(q).toMatchObject({ type, difficulty, archived: false });
          expect(q.title.length).toBeGreaterThan(3);
          expect(q.body.length).toBeGreaterThan(40);
          if (type === 'TECHNICAL') expect(q.hints.length).toBeGreaterThanOrEqual(1);
          expect(q.hints.length).toBeLessThanOrEqual(3);
        }
        expect(new Set(qs.map((q) => q.title)).size).toBe(10);
      }
    }
  });

  it('loads idempotently: loading again inserts nothing and keeps an admin edit', async () => {
    const [first] = await allQuestions({ type: 'BEHAVIORAL', difficulty: 'EASY' });
    await ok(
      stack.url,
      Update,
      {
        id: first!.id,
        input: { type: 'BEHAVIORAL', difficulty: 'EASY', title: 'Edited by an admin', body: first!.body },
      },
      { token: admin.token },
    );
    expect(await loadStarterQuestions(stack.app.infra.db)).toBe(0);
    const all = await allQuestions();
    expect(all).toHaveLength(60);
    expect(all.find((q) => q.id === first!.id)!.title).toBe('Edited by an admin');
  });
});

describe('admin operations', () => {
  it('creates, updates and archives a question; users are refused', async () => {
    const user = await registerUser(stack.url);
    const input = {
      type: 'TECHNICAL' as const,
      difficulty: 'EASY' as const,
      title: '  Sum of a list ',
      body: 'Return the sum of `nums`.',
      hints: ['Loop once.', '  '],
    };
    expect(codes(await gql(stack.url, Create, { input }, { token: user.token }))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(stack.url, Questions, {}, { token: user.token }))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(stack.url, Questions, {}))).toEqual(['UNAUTHENTICATED']);
    const created = (await ok(stack.url, Create, { input }, { token: admin.token })).createQuestion;
    expect(created).toMatchObject({ title: 'Sum of a list', hints: ['Loop once.'], archived: false });
    const updated = (
      await ok(
        stack.url,
        Update,
        { id: created.id, input: { ...input, title: 'Sum', hints: [] } },
        { token: admin.token },
      )
    ).updateQuestion;
    expect(updated).toMatchObject({ id: created.id, title: 'Sum', hints: [] });
    expect((await ok(stack.url, Archive, { id: created.id }, { token: admin.token })).archiveQuestion.archived).toBe(
      true,
    );
    expect(
      (await allQuestions({ type: 'TECHNICAL', difficulty: 'EASY' })).find((q) => q.id === created.id)?.archived,
    ).toBe(true);
    expect(codes(await gql(stack.url, Archive, { id: created.id }, { token: user.token }))).toEqual(['FORBIDDEN']);
  });

  it('refuses bad input and unknown ids with coded errors', async () => {
    const input = { type: 'TECHNICAL' as const, difficulty: 'EASY' as const, title: 'T', body: 'B' };
    const bad = [
      { ...input, title: ' ' },
      { ...input, body: '' },
      { ...input, title: 'x'.repeat(201) },
      { ...input, hints: Array(11).fill('h') },
    ];
    for (const b of bad)
      expect(codes(await gql(stack.url, Create, { input: b }, { token: admin.token }))).toEqual(['BAD_USER_INPUT']);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(codes(await gql(stack.url, Update, { id: missing, input }, { token: admin.token }))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(stack.url, Archive, { id: missing }, { token: admin.token }))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(stack.url, Archive, { id: 'nope' }, { token: admin.token }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('assignment and visibility', () => {
  it('gives each participant a question at the asked one’s difficulty; the asked one sees it only after the end; swapRoles changes nothing', async () => {
    const a = await registerUser(stack.url);
    const b = await registerUser(stack.url);
    const id = await pair(a, 'EASY', b, 'MEDIUM', 'BEHAVIORAL');
    const seenByA = await view(a, id);
    expect(seenByA.questions).toHaveLength(2);
    const aAsks = seenByA.questions.find((q) => q.askedBy.id === a.id)!;
    const bAsks = seenByA.questions.find((q) => q.askedBy.id === b.id)!;
    expect(aAsks.askedTo.id).toBe(b.id);
    expect(aAsks.question).toMatchObject({ type: 'BEHAVIORAL', difficulty: 'MEDIUM' });
    expect(aAsks.question!.body.length).toBeGreaterThan(0);
    expect(bAsks.askedTo.id).toBe(a.id);
    expect(bAsks.question).toBeNull();
    const seenByB = await view(b, id);
    expect(seenByB.questions.find((q) => q.askedBy.id === b.id)!.question).toMatchObject({
      type: 'BEHAVIORAL',
      difficulty: 'EASY',
    });
    expect(seenByB.questions.find((q) => q.askedBy.id === a.id)!.question).toBeNull();
    // An admin reading the interview sees both.
    expect((await view(admin, id)).questions.every((q) => q.question !== null)).toBe(true);

    await ok(stack.url, Start, { id }, { token: a.token });
    await ok(stack.url, Swap, { id }, { token: a.token });
    const afterSwap = await view(a, id);
    expect(afterSwap.questions.map((q) => [q.askedBy.id, q.askedTo.id, q.question?.id ?? null])).toEqual(
      seenByA.questions.map((q) => [q.askedBy.id, q.askedTo.id, q.question?.id ?? null]),
    );
    await ok(stack.url, End, { id }, { token: b.token });
    for (const u of [a, b]) {
      const qs = (await view(u, id)).questions;
      expect(qs.every((q) => q.question !== null)).toBe(true);
    }
  });

  it('the matching job assigns too', async () => {
    const a = await registerUser(stack.url);
    const b = await registerUser(stack.url);
    const id = await pair(a, 'HARD', b, 'HARD', 'TECHNICAL', 'job');
    const qs = (await view(a, id)).questions;
    expect(qs).toHaveLength(2);
    expect(qs.find((q) => q.askedBy.id === a.id)!.question).toMatchObject({ type: 'TECHNICAL', difficulty: 'HARD' });
    // Both at the same difficulty: they are not handed the same question.
    const bq = (await view(b, id)).questions.find((q) => q.askedBy.id === b.id)!.question!;
    expect(bq.id).not.toBe(qs.find((q) => q.askedBy.id === a.id)!.question!.id);
  });

  it('an accepted instant request assigns questions', async () => {
    const a = await registerUser(stack.url);
    const b = await registerUser(stack.url);
    const conn = connectWs(stack.wsUrl, b.token);
    sockets.push(conn);
    await admitted(conn);
    await ok(stack.url, SetAvailability, { availability: 'AVAILABLE' }, { token: b.token });
    const req = (
      await ok(
        stack.url,
        RequestInstant,
        { input: { peerId: b.id, type: 'BEHAVIORAL', difficulty: 'HARD' } },
        { token: a.token },
      )
    ).requestInstantInterview;
    const id = (await ok(stack.url, Respond, { requestId: req.id }, { token: b.token })).respondToInstantRequest
      .interview!.id;
    const qs = (await view(b, id)).questions;
    expect(qs).toHaveLength(2);
    expect(qs.find((q) => q.askedBy.id === b.id)!.question).toMatchObject({ type: 'BEHAVIORAL', difficulty: 'HARD' });
  });

  it('never asks anyone a question twice until the bank runs out, then the one asked longest ago', async () => {
    // A pool of three: archive the starter TECHNICAL MEDIUM questions, add three.
    for (const q of await allQuestions({ type: 'TECHNICAL', difficulty: 'MEDIUM' }))
      await ok(stack.url, Archive, { id: q.id }, { token: admin.token });
    const pool: string[] = [];
    for (const n of [1, 2, 3]) {
      const input = {
        type: 'TECHNICAL' as const,
        difficulty: 'MEDIUM' as const,
        title: `Pool question ${n}`,
        body: `Body ${n}`,
      };
      pool.push((await ok(stack.url, Create, { input }, { token: admin.token })).createQuestion.id);
    }
    const asked = await registerUser(stack.url);
    const got: string[] = [];
    for (let n = 0; n < 5; n++) {
      const peer = await registerUser(stack.url);
      const id = await pair(asked, 'MEDIUM', peer, 'EASY');
      const q = (await view(peer, id)).questions.find((x) => x.askedTo.id === asked.id)!.question!;
      got.push(q.id);
    }
    // The first three are the whole pool, each once; then the oldest, then the next oldest.
    expect(new Set(got.slice(0, 3))).toEqual(new Set(pool));
    expect(got[3]).toBe(got[0]);
    expect(got[4]).toBe(got[1]);
  });
});

describe('pickQuestion', () => {
  it('prefers never asked, then longest ago, and avoids the peer’s question while it can', () => {
    const at = (n: number) => new Date(2026, 0, n);
    expect(
      pickQuestion(
        ['a', 'b', 'c'],
        new Map([
          ['a', at(1)],
          ['b', at(2)],
        ]),
        { random: () => 0.99 },
      ),
    ).toBe('c');
    expect(
      pickQuestion(
        ['a', 'b', 'c'],
        new Map([
          ['a', at(3)],
          ['b', at(2)],
          ['c', at(5)],
        ]),
      ),
    ).toBe('b');
    expect(pickQuestion(['a', 'b'], new Map(), { avoid: new Set(['a']) })).toBe('b');
    expect(pickQuestion(['a'], new Map(), { avoid: new Set(['a']) })).toBe('a');
    expect(pickQuestion([], new Map())).toBeNull();
  });
});
