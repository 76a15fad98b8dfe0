// The cost limit counts the objects an operation could return: pages a product
// shows pass, a page of pages of 100 is refused with the cost in extensions.
import { getOperationAST, parse } from 'graphql';
import { MAX_COST, operationCost } from '../src/query-cost.js';
import { schema } from '../src/schema/index.js';
import { registerUser, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

// The history page of the issue, with the __typename fields Apollo Client adds.
const HISTORY = `query History {
  myInterviews(first: 10) { __typename edges { __typename node { __typename id status startedAt endedAt
    participants { __typename role user { __typename id name } }
    feedback { __typename communication technical strengths improvements }
    messages(first: 20) { __typename edges { __typename node { __typename id body createdAt sender { __typename id name } } } } } } }
}`;
// A session screen: the interview, its participants and the newest 50 messages.
const SESSION = `query Session($id: ID!) {
  interview(id: $id) { id status participants { id role user { id name } }
    messages(last: 50) { edges { node { id body createdAt sender { id name } } } } }
}`;
const PAGES_OF_PAGES = `query Huge($n: Int) { myInterviews(first: $n) { edges { node { id messages(first: $n) { edges { node { id body } } } } } } }`;

const cost = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  return operationCost(schema, document, getOperationAST(document)!, variables);
};

describe('operationCost', () => {
  it('multiplies page sizes down the tree and counts objects only', () => {
    // messages: 20 edges × (edge + node + sender) + the connection = 61; an interview: itself,
    // 2 participants × (participant + user), 2 feedbacks, its messages = 68; 10 edges × (edge + node) + the connection.
    expect(cost(HISTORY)).toBe(1 + 10 * (1 + (1 + 2 * 2 + 2 + (1 + 20 * 3))));
    expect(cost(SESSION, { id: 'x' })).toBe(1 + 2 * 2 + (1 + 50 * 3));
  });

  it('reads page sizes from variables, and uses the default page without them', () => {
    expect(cost(PAGES_OF_PAGES, { n: 100 })).toBe(1 + 100 * (1 + 1 + (1 + 100 * 2)));
    expect(cost(PAGES_OF_PAGES, { n: 5 })).toBe(1 + 5 * (1 + 1 + (1 + 5 * 2)));
    expect(cost(PAGES_OF_PAGES, {})).toBe(cost(PAGES_OF_PAGES, { n: 20 }));
  });

  it('costs one parsed document per request when a page size is a variable, and once when none is', () => {
    // yoga's parse cache hands every request of a document the same nodes; only fixed costs may be kept with them.
    const paged = parse(PAGES_OF_PAGES);
    const op = getOperationAST(paged)!;
    expect(operationCost(schema, paged, op, { n: 5 })).toBe(1 + 5 * (1 + 1 + (1 + 5 * 2)));
    expect(operationCost(schema, paged, op, { n: 100 })).toBe(1 + 100 * (1 + 1 + (1 + 100 * 2)));
    const fixed = parse(HISTORY);
    const first = operationCost(schema, fixed, getOperationAST(fixed)!, {});
    expect(operationCost(schema, fixed, getOperationAST(fixed)!, { ignored: 1 })).toBe(first);
  });

  it('counts the costliest member of a union, not every member', () => {
    const one = cost(`subscription { events { id data { ... on RolesSwappedData { roles { userId } } } } }`);
    const both = cost(
      `subscription { events { id data { ... on RolesSwappedData { roles { userId } } ... on MatchedData { slotId } } } }`,
    );
    expect(both).toBe(one);
  });
});

describe('over HTTP', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let user: TestUser;
  beforeAll(async () => {
    stack = await startTestStack();
    user = await registerUser(stack.url);
  });
  afterAll(() => stack.close());

  const post = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as {
      data?: unknown;
      errors?: { message: string; extensions: Record<string, unknown> }[];
    };
  };

  it('runs the history page and the session screen', async () => {
    expect((await post(HISTORY)).errors).toBeUndefined();
    const session = await post(SESSION, { id: '00000000-0000-4000-8000-000000000000' });
    expect(session.errors?.map((e) => e.extensions['code'])).toEqual(['NOT_FOUND']);
  });

  it('refuses a 100×100 page of pages with BAD_USER_INPUT, the cost and the limit', async () => {
    const res = await post(PAGES_OF_PAGES, { n: 100 });
    expect(res.data).toBeUndefined();
    expect(res.errors).toHaveLength(1);
    const [error] = res.errors!;
    expect(error!.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      cost: cost(PAGES_OF_PAGES, { n: 100 }),
      limit: MAX_COST,
    });
    expect(error!.message).not.toMatch(/Syntax Error/);
    expect(error!.message).toContain(String(MAX_COST));
    // The same document with small pages runs.
    expect((await post(PAGES_OF_PAGES, { n: 10 })).errors).toBeUndefined();
  });
});
