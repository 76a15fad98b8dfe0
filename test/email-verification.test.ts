// Email verification (finding 3: admin by first registration): ADMIN_EMAILS grants ADMIN only to
// an address its owner proved with the emailed link.
import { graphql } from './generated/gql.js';
import { codes, gql, ok } from './support/client.js';
import { createSlot, verificationToken } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

const VerRegister = graphql(`
  mutation VerRegister($input: RegisterInput!) {
    register(input: $input) {
      token
      user {
        id
        role
        emailVerified
      }
    }
  }
`);
const VerLogin = graphql(`
  mutation VerLogin($input: LoginInput!) {
    login(input: $input) {
      token
      user {
        id
        role
        emailVerified
      }
    }
  }
`);
const VerMe = graphql(`
  query VerMe {
    me {
      id
      role
      emailVerified
    }
  }
`);
const RequestVerification = graphql(`
  mutation RequestVerification {
    requestEmailVerification
  }
`);
const VerifyEmail = graphql(`
  mutation VerifyEmail($token: String!) {
    verifyEmail(token: $token) {
      id
      email
      role
      emailVerified
    }
  }
`);
const VerBook = graphql(`
  mutation VerBook($input: BookSlotInput!) {
    bookSlot(input: $input) {
      id
      status
    }
  }
`);

const ADMIN = 'claimed-admin@example.com';
let stack: Awaited<ReturnType<typeof startTestStack>>;
beforeAll(async () => {
  stack = await startTestStack({
    ADMIN_EMAILS: `${ADMIN}, second-admin@example.com`,
    APP_URL: 'https://app.example.test',
  });
});
afterAll(() => stack.close());

let n = 0;
const freshEmail = () => `verify${++n}-${Date.now()}@example.com`;
const register = async (email = freshEmail()) => {
  const { register } = await ok(stack.url, VerRegister, { input: { email, password: 'password123', name: 'Vera' } });
  return { ...register, email };
};
const verificationMails = (email: string) =>
  stack.db.query<{ subject: string; body: string; sentAt: Date | null }>(
    `SELECT subject, body, "sentAt" FROM "EmailOutbox" WHERE "to" = $1 AND body LIKE '%/verify-email?%' ORDER BY "createdAt"`,
    [email],
  );

it('register emails a verification link to APP_URL/verify-email and the user starts unverified', async () => {
  const user = await register();
  expect(user.user.emailVerified).toBe(false);
  const [mail, ...more] = await verificationMails(user.email);
  expect(more).toEqual([]);
  expect(mail).toMatchObject({ subject: 'Confirm your MockMate email address', sentAt: null });
  expect(mail!.body).toMatch(/https:\/\/app\.example\.test\/verify-email\?token=[\w-]{43}/);
  // Only a hash is stored.
  const token = await verificationToken(stack.db.url, user.email);
  expect(await stack.db.query('SELECT 1 FROM "EmailVerificationToken" WHERE "tokenHash" = $1', [token])).toHaveLength(
    0,
  );
});

it('finding 3: an ADMIN_EMAILS address registered by someone who cannot read its mail stays USER, at sign-up and at sign-in', async () => {
  const squatter = await register(ADMIN);
  expect(squatter.user.role).toBe('USER');
  expect((await ok(stack.url, VerMe, {}, { token: squatter.token })).me?.role).toBe('USER');
  const again = await ok(stack.url, VerLogin, { input: { email: ADMIN, password: 'password123' } });
  expect(again.login.user).toMatchObject({ role: 'USER', emailVerified: false });
  // Admin-only operations stay closed.
  const start = new Date(Date.now() + 86_400_000).toISOString();
  const CreateSlot = graphql(`
    mutation VerCreateSlot($input: CreateSlotInput!) {
      createSlot(input: $input) {
        id
      }
    }
  `);
  const res = await gql(
    stack.url,
    CreateSlot,
    { input: { startsAt: start, durationMinutes: 60, type: 'TECHNICAL' } },
    { token: again.login.token },
  );
  expect(codes(res)).toEqual(['FORBIDDEN']);
});

it('verifyEmail with the emailed token verifies the address, makes an ADMIN_EMAILS address ADMIN at once, and works only once', async () => {
  const owner = await register('second-admin@example.com');
  const token = await verificationToken(stack.db.url, owner.email);
  // No sign-in needed: the link may be opened on another device.
  const { verifyEmail } = await ok(stack.url, VerifyEmail, { token });
  expect(verifyEmail).toEqual({ id: owner.user.id, email: owner.email, role: 'ADMIN', emailVerified: true });
  // The session the user already holds is an admin's now, without signing in again.
  expect((await ok(stack.url, VerMe, {}, { token: owner.token })).me).toMatchObject({
    role: 'ADMIN',
    emailVerified: true,
  });
  await createSlot(stack.url, { ...owner, id: owner.user.id, name: 'Vera' }, 60);

  const again = await gql(stack.url, VerifyEmail, { token });
  expect(codes(again)).toEqual(['BAD_USER_INPUT']);
  expect(again.errors![0]!.message).toMatch(/^token:/);
});

it('an unverified user may sign in and book', async () => {
  const admin = await register(freshEmail());
  await stack.db.query(`UPDATE "User" SET "emailVerifiedAt" = now(), role = 'ADMIN' WHERE id = $1`, [admin.user.id]);
  const slot = await createSlot(
    stack.url,
    { id: admin.user.id, name: 'A', token: admin.token, email: admin.email },
    120,
  );
  const user = await register();
  const { login } = await ok(stack.url, VerLogin, { input: { email: user.email, password: 'password123' } });
  expect(login.user.emailVerified).toBe(false);
  const { bookSlot } = await ok(
    stack.url,
    VerBook,
    { input: { slotId: slot.id, difficulty: 'EASY' } },
    { token: login.token },
  );
  expect(bookSlot.status).toBe('BOOKED');
});

it('requestEmailVerification sends a new link and the older one stops working', async () => {
  const user = await register();
  const first = await verificationToken(stack.db.url, user.email);
  expect(await ok(stack.url, RequestVerification, {}, { token: user.token })).toEqual({
    requestEmailVerification: true,
  });
  expect(await verificationMails(user.email)).toHaveLength(2);
  const second = await verificationToken(stack.db.url, user.email);
  expect(second).not.toBe(first);
  expect(codes(await gql(stack.url, VerifyEmail, { token: first }))).toEqual(['BAD_USER_INPUT']);
  expect((await ok(stack.url, VerifyEmail, { token: second })).verifyEmail.emailVerified).toBe(true);
});

it('requestEmailVerification needs a sign-in, and is CONFLICT once verified', async () => {
  expect(codes(await gql(stack.url, RequestVerification, {}))).toEqual(['UNAUTHENTICATED']);
  const user = await register();
  await ok(stack.url, VerifyEmail, { token: await verificationToken(stack.db.url, user.email) });
  const res = await gql(stack.url, RequestVerification, {}, { token: user.token });
  expect(codes(res)).toEqual(['CONFLICT']);
  expect(res.errors![0]!.extensions!['reason']).toBe('ALREADY_VERIFIED');
});

it('requestEmailVerification is limited to 5 per user per hour', async () => {
  const user = await register();
  for (let i = 0; i < 5; i++) await ok(stack.url, RequestVerification, {}, { token: user.token });
  const res = await gql(stack.url, RequestVerification, {}, { token: user.token });
  expect(codes(res)).toEqual(['RATE_LIMITED']);
  expect(await verificationMails(user.email)).toHaveLength(6); // the registration's and five more
});

it('refuses an expired, unknown or empty token', async () => {
  const user = await register();
  const token = await verificationToken(stack.db.url, user.email);
  await stack.db.query(
    `UPDATE "EmailVerificationToken" SET "expiresAt" = now() - interval '1 second' WHERE "userId" = $1`,
    [user.user.id],
  );
  expect(codes(await gql(stack.url, VerifyEmail, { token }))).toEqual(['BAD_USER_INPUT']);
  expect(codes(await gql(stack.url, VerifyEmail, { token: 'no-such-token' }))).toEqual(['BAD_USER_INPUT']);
  expect(codes(await gql(stack.url, VerifyEmail, { token: '' }))).toEqual(['BAD_USER_INPUT']);
  expect((await ok(stack.url, VerMe, {}, { token: user.token })).me?.emailVerified).toBe(false);
});

it('two concurrent uses of one token: exactly one succeeds', async () => {
  const user = await register();
  const token = await verificationToken(stack.db.url, user.email);
  const results = await Promise.all([gql(stack.url, VerifyEmail, { token }), gql(stack.url, VerifyEmail, { token })]);
  expect(results.map((r) => codes(r)[0] ?? 'OK').sort()).toEqual(['BAD_USER_INPUT', 'OK']);
});
