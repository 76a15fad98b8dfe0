// Password reset hardening: a newer reset token revokes the older ones (finding 9), and asking for
// a reset answers the same way, doing the same work before the answer, whether or not the email
// has an account (finding 10).
import pg from 'pg';
import { hashSecret, randomSecret } from '../src/domain/account.js';
import { graphql } from './generated/gql.js';
import { codes, gql, ok } from './support/client.js';
import { until } from './support/poll.js';
import { startTestStack } from './support/server.js';

const PrRegister = graphql(`
  mutation PrRegister($input: RegisterInput!) {
    register(input: $input) {
      user {
        id
      }
    }
  }
`);
const PrRequestReset = graphql(`
  mutation PrRequestReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);
const PrReset = graphql(`
  mutation PrReset($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) {
      user {
        id
      }
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

let n = 0;
const register = async () => {
  const email = `reset${++n}-${Date.now()}@example.com`;
  const { register } = await ok(stack.url, PrRegister, { input: { email, password: 'password123', name: 'Rita' } });
  return { id: register.user.id, email };
};
const resetTokens = (email: string) =>
  stack.db
    .query<{ body: string }>(
      `SELECT body FROM "EmailOutbox" WHERE "to" = $1 AND body LIKE '%/reset-password?%' ORDER BY "createdAt"`,
      [email],
    )
    .then((rows) => rows.map((r) => /reset-password\?token=([\w-]+)/.exec(r.body)![1]!));
const mailed = (email: string, count: number) =>
  until(async () => (await resetTokens(email)).length >= count && resetTokens(email), `${count} reset emails`);
const reset = (token: string, newPassword = 'a new password') => gql(stack.url, PrReset, { token, newPassword });

describe('finding 9: older reset tokens do not survive', () => {
  it('asking again revokes the older token: only the newest link works', async () => {
    const user = await register();
    await ok(stack.url, PrRequestReset, { email: user.email });
    await mailed(user.email, 1);
    await ok(stack.url, PrRequestReset, { email: user.email });
    const [older, newer] = await mailed(user.email, 2);
    expect(codes(await reset(older!))).toEqual(['BAD_USER_INPUT']);
    expect((await reset(newer!)).errors).toBeUndefined();
  });

  it('using a token revokes every other outstanding token of the user', async () => {
    const user = await register();
    // An outstanding token issued outside this flow (e.g. before this fix was deployed).
    const stray = randomSecret();
    await stack.db.query(
      `INSERT INTO "PasswordResetToken" (id, "userId", "tokenHash", "expiresAt") VALUES (gen_random_uuid(), $1, $2, now() + interval '10 minutes')`,
      [user.id, hashSecret(stray)],
    );
    await ok(stack.url, PrRequestReset, { email: user.email });
    const [token] = await mailed(user.email, 1);
    expect((await reset(token!)).errors).toBeUndefined();
    expect(codes(await reset(stray, 'another password'))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('finding 10: requestPasswordReset reveals nothing through its timing', () => {
  it('answers for a known and an unknown email without reading the users table; the email follows the answer', async () => {
    const user = await register();
    // A transaction holds an exclusive lock on "User": whatever reads it waits until the lock goes.
    const locker = new pg.Client({ connectionString: stack.db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE "User" IN ACCESS EXCLUSIVE MODE');
      const answer = (email: string) =>
        Promise.race([
          ok(stack.url, PrRequestReset, { email }).then((d) => d.requestPasswordReset),
          new Promise<string>((r) => setTimeout(() => r('still waiting for the users table'), 5_000).unref()),
        ]);
      // Both answers come while the table is locked, so neither depends on whether the account exists.
      expect(await answer(user.email)).toBe(true);
      expect(await answer(`nobody${Date.now()}@example.com`)).toBe(true);
      expect(await resetTokens(user.email)).toEqual([]);
      await locker.query('COMMIT');
    } finally {
      await locker.end();
    }
    await mailed(user.email, 1);
  });
});
