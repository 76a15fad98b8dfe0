// Development helpers for trying the product locally: the outbox view
// (Query.devOutbox) and the planner that keeps a slot starting soon.
import { graphql } from './generated/gql.js';
import { codes, gql, ok } from './support/client.js';
import { registerUser } from './support/fixtures.js';
import { until } from './support/poll.js';
import { startTestStack } from './support/server.js';
import { loadConfig } from '../src/config.js';
import { soonSlots } from '../src/domain/slots.js';

const Outbox = graphql(`
  query DevOutbox($email: String, $first: Int) {
    devOutbox(email: $email, first: $first) {
      id
      to
      subject
      link
      body
      createdAt
      sentAt
    }
  }
`);
const RequestReset = graphql(`
  mutation DevOutboxRequestReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);
const Slots = graphql(`
  query DevSoonSlots($to: DateTime) {
    slots(to: $to) {
      id
      type
      startsAt
      endsAt
    }
  }
`);

describe('devOutbox', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  beforeAll(async () => {
    stack = await startTestStack({ DEV_OUTBOX: 'true', APP_URL: 'http://app.example.test' });
  });
  afterAll(() => stack.close());

  it("shows the newest emails with their link: the viewer's own, or an address's when signed out", async () => {
    const user = await registerUser(stack.url);
    const other = await registerUser(stack.url);
    await ok(stack.url, RequestReset, { email: user.email });
    await ok(stack.url, RequestReset, { email: other.email });
    await ok(stack.url, RequestReset, { email: user.email.toUpperCase() });

    // Reset emails are queued after the answer (same timing for unknown emails); the third is the verification email.
    const mine = await until(async () => {
      const { devOutbox } = await ok(stack.url, Outbox, {}, { token: user.token });
      return devOutbox.length === 3 && devOutbox;
    }, 'two reset emails and the verification email in the outbox');
    expect(mine[2]!.link).toMatch(/\/verify-email\?token=/);
    expect(mine.every((m) => m.to === user.email && m.sentAt === null)).toBe(true);
    expect(mine[0]!.link).toMatch(/^http:\/\/app\.example\.test\/reset-password\?token=[\w-]+$/);
    expect(mine[0]!.body).toContain(mine[0]!.link);
    expect(mine[0]!.link).not.toBe(mine[1]!.link);
    expect(new Date(mine[0]!.createdAt) >= new Date(mine[1]!.createdAt)).toBe(true);

    const signedOut = (await ok(stack.url, Outbox, { email: ` ${user.email.toUpperCase()} `, first: 1 })).devOutbox;
    expect(signedOut.map((m) => m.id)).toEqual([mine[0]!.id]);
  });

  it('refuses bad input with BAD_USER_INPUT', async () => {
    expect(codes(await gql(stack.url, Outbox, {}))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(stack.url, Outbox, { email: 'a@example.com', first: 0 }))).toEqual(['BAD_USER_INPUT']);
  });

  it('is FORBIDDEN unless development or DEV_OUTBOX=true', async () => {
    const off = await startTestStack();
    try {
      const user = await registerUser(off.url);
      expect(codes(await gql(off.url, Outbox, {}, { token: user.token }))).toEqual(['FORBIDDEN']);
    } finally {
      await off.close();
    }
  });
});

describe('soon slots (development planner)', () => {
  it('plans, per type, the next 5-minute mark at least a minute away, only within the window', () => {
    const now = new Date('2026-01-01T10:03:30Z');
    const slots = soonSlots(['BEHAVIORAL', 'TECHNICAL'], now, 10);
    expect(slots.map((s) => [s.key, s.endsAt.toISOString()])).toEqual([
      ['soon:BEHAVIORAL@2026-01-01T10:05:00.000Z', '2026-01-01T10:35:00.000Z'],
      ['soon:TECHNICAL@2026-01-01T10:05:00.000Z', '2026-01-01T10:35:00.000Z'],
    ]);
    expect(soonSlots(['TECHNICAL'], new Date('2026-01-01T10:04:30Z'), 10)[0]!.startsAt.toISOString()).toBe(
      '2026-01-01T10:10:00.000Z',
    );
    expect(soonSlots(['TECHNICAL'], new Date('2026-01-01T10:04:30Z'), 5)).toEqual([]);
    expect(soonSlots(['TECHNICAL'], now, 0)).toEqual([]);
  });

  it('keeps a bookable slot of each type starting within the next minutes, once however often it runs', async () => {
    const stack = await startTestStack();
    try {
      const app = stack.app.services.bookings;
      const types = loadConfig(stack.env).planner.types;
      expect(await app.planSoonSlots(types, 10)).toBe(2);
      expect(await app.planSoonSlots(types, 10)).toBe(0);
      const to = new Date(Date.now() + 10 * 60_000).toISOString();
      const slots = (await ok(stack.url, Slots, { to })).slots;
      expect(slots.map((s) => s.type).sort()).toEqual(['BEHAVIORAL', 'TECHNICAL']);
      for (const s of slots) expect(new Date(s.startsAt).getTime() - Date.now()).toBeLessThanOrEqual(6 * 60_000);
    } finally {
      await stack.close();
    }
  });
});
