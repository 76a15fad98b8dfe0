// Dates far outside any interview's lifetime are the client's mistake, not an internal error (issue 9, item 15).
import { graphql } from './generated/gql.js';
import { codes, gql, ok } from './support/client.js';
import { registerAdmin, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

const Slots = graphql(`
  query RangeSlots($from: DateTime, $to: DateTime) {
    slots(from: $from, to: $to) {
      id
    }
  }
`);
const CreateSlot = graphql(`
  mutation RangeCreateSlot($input: CreateSlotInput!) {
    createSlot(input: $input) {
      id
      startsAt
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let admin: TestUser;
beforeAll(async () => {
  stack = await startTestStack({ ADMIN_EMAILS: 'range-admin@example.com' });
  admin = await registerAdmin(stack.url, stack.db.url, 'range-admin@example.com');
});
afterAll(async () => {
  await stack?.close();
});

it.each(['9999-12-31T00:00:00Z', '0000-01-01T00:00:00Z', '2100-01-01T00:00:00Z', '1969-12-31T23:59:59Z'])(
  'slots(from: %s) is BAD_USER_INPUT, as a variable or a literal',
  async (from) => {
    const res = await gql(stack.url, Slots, { from });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.message).toMatch(
      /DateTime must be from 1970-01-01T00:00:00.000Z up to \(not including\) 2100-01-01/,
    );
    const literal = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ slots(to: "${from}") { id } }` }),
    });
    expect(
      ((await literal.json()) as { errors: { extensions: { code: string } }[] }).errors.map((e) => e.extensions.code),
    ).toEqual(['BAD_USER_INPUT']);
  },
);

it('createSlot in year 9999 is BAD_USER_INPUT; dates inside the range still work', async () => {
  const res = await gql(
    stack.url,
    CreateSlot,
    { input: { startsAt: '9999-12-31T10:00:00Z', durationMinutes: 60, type: 'TECHNICAL' } },
    { token: admin.token },
  );
  expect(codes(res)).toEqual(['BAD_USER_INPUT']);
  const late = await ok(
    stack.url,
    CreateSlot,
    { input: { startsAt: '2099-12-31T10:00:00Z', durationMinutes: 60, type: 'TECHNICAL' } },
    { token: admin.token },
  );
  expect(late.createSlot.startsAt).toBe('2099-12-31T10:00:00.000Z');
  expect((await ok(stack.url, Slots, { from: '2099-12-31T00:00:00Z' })).slots.map((s) => s.id)).toEqual([
    late.createSlot.id,
  ]);
  expect((await ok(stack.url, Slots, { from: '1970-01-01T00:00:00Z', to: '1970-01-02T00:00:00Z' })).slots).toEqual([]);
});
