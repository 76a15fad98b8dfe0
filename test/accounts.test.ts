import { graphql } from './generated/gql.js';
import { codes, gql, ok } from './support/client.js';
import { until } from './support/poll.js';
import { startTestStack } from './support/server.js';

const Register = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      token
      refreshToken
      user {
        id
        email
        name
        role
      }
    }
  }
`);
const Login = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      token
      refreshToken
      user {
        id
        role
      }
    }
  }
`);
const Me = graphql(`
  query Me {
    me {
      id
      name
      email
      role
      availability
    }
  }
`);
const Refresh = graphql(`
  mutation Refresh($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      token
      refreshToken
      user {
        id
      }
    }
  }
`);
const Logout = graphql(`
  mutation Logout {
    logout
  }
`);
const RequestReset = graphql(`
  mutation RequestReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);
const ResetPassword = graphql(`
  mutation ResetPassword($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) {
      token
      refreshToken
      user {
        id
      }
    }
  }
`);
const UserEmail = graphql(`
  query MeEmailOnly {
    me {
      email
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
beforeAll(async () => {
  stack = await startTestStack({
    ADMIN_EMAILS: 'Boss@Example.com, other@example.com',
    APP_URL: 'https://app.example.test',
  });
});
afterAll(() => stack.close());

let n = 0;
const freshEmail = () => `user${++n}-${Date.now()}@example.com`;
const register = (email = freshEmail(), password = 'correct horse', name = 'Pat') =>
  ok(stack.url, Register, { input: { email, password, name } }).then((d) => d.register);

describe('register', () => {
  it('creates a user, trims and lower-cases the email, and signs them in', async () => {
    const res = await register('  Mixed.Case@Example.COM ', 'password123', '  Ada  ');
    expect(res.user).toMatchObject({ email: 'mixed.case@example.com', name: 'Ada', role: 'USER' });
    const me = await ok(stack.url, Me, {}, { token: res.token });
    expect(me.me).toMatchObject({ id: res.user.id, email: 'mixed.case@example.com', availability: 'OFFLINE' });
    const [row] = await stack.db.query<{ passwordHash: string }>('SELECT "passwordHash" FROM "User" WHERE id = $1', [
      res.user.id,
    ]);
    expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('registers an address listed in ADMIN_EMAILS as USER until it is verified', async () => {
    const res = await register('Boss@example.com');
    expect(res.user.role).toBe('USER');
  });

  it.each([
    ['email', { email: 'not-an-email', password: 'password123', name: 'A' }],
    ['password', { email: 'x@example.com', password: 'short', name: 'A' }],
    ['password', { email: 'x@example.com', password: 'p'.repeat(129), name: 'A' }],
    ['name', { email: 'x@example.com', password: 'password123', name: '   ' }],
    ['name', { email: 'x@example.com', password: 'password123', name: 'n'.repeat(81) }],
  ])('rejects a bad %s with BAD_USER_INPUT naming the field', async (field, input) => {
    const res = await gql(stack.url, Register, { input });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.message).toContain(field);
    expect(res.errors![0]!.extensions!['field']).toBe(`input.${field}`);
  });

  it('accepts the password length bounds exactly', async () => {
    await expect(register(freshEmail(), 'p'.repeat(8))).resolves.toBeTruthy();
    await expect(register(freshEmail(), 'p'.repeat(128))).resolves.toBeTruthy();
  });

  it('rejects a duplicate email in any case with CONFLICT and writes nothing', async () => {
    const email = freshEmail();
    await register(email);
    const res = await gql(stack.url, Register, {
      input: { email: email.toUpperCase(), password: 'password123', name: 'B' },
    });
    expect(codes(res)).toEqual(['CONFLICT']);
    const rows = await stack.db.query('SELECT id FROM "User" WHERE email = $1', [email]);
    expect(rows).toHaveLength(1);
  });
});

describe('login', () => {
  it('signs in with the right password and refuses the wrong one with UNAUTHENTICATED', async () => {
    const email = freshEmail();
    const reg = await register(email, 'right password');
    const good = await ok(stack.url, Login, { input: { email: email.toUpperCase(), password: 'right password' } });
    expect(good.login.user.id).toBe(reg.user.id);
    const bad = await gql(stack.url, Login, { input: { email, password: 'wrong password' } });
    const unknown = await gql(stack.url, Login, { input: { email: 'nobody@example.com', password: 'wrong password' } });
    expect(codes(bad)).toEqual(['UNAUTHENTICATED']);
    expect(codes(unknown)).toEqual(['UNAUTHENTICATED']);
    expect(bad.errors![0]!.message).toBe(unknown.errors![0]!.message);
  });

  it('takes similar time for an unknown email and a wrong password', async () => {
    const email = freshEmail();
    await register(email);
    const time = async (e: string) => {
      const t = performance.now();
      await gql(stack.url, Login, { input: { email: e, password: 'wrong password' } }, { ip: '10.9.9.9' });
      return performance.now() - t;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      known.push(await time(email));
      unknown.push(await time(`ghost${i}@example.com`));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
    // Both pay for one argon2 verification; without the dummy hash the unknown path is ~0 ms.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.4);
  });

  it('limits failed logins per account and address to 10 per window, with a retry-after hint', async () => {
    const email = freshEmail();
    await register(email, 'the password');
    for (let i = 0; i < 10; i++) {
      const res = await gql(stack.url, Login, { input: { email, password: 'nope nope' } }, { ip: '10.1.0.1' });
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    }
    const blocked = await gql(stack.url, Login, { input: { email, password: 'the password' } }, { ip: '10.1.0.1' });
    expect(codes(blocked)).toEqual(['RATE_LIMITED']);
    expect(blocked.errors![0]!.extensions!['retryAfterSeconds']).toBeGreaterThan(0);
  });
});

describe('sessions', () => {
  it('me is null without a token and UNAUTHENTICATED-free', async () => {
    const res = await gql(stack.url, Me, {});
    expect(res.data).toEqual({ me: null });
    expect(res.errors).toBeUndefined();
  });

  it('rotates the refresh token; reusing an old one revokes the whole session', async () => {
    const reg = await register();
    const first = await ok(stack.url, Refresh, { refreshToken: reg.refreshToken });
    expect(first.refreshSession.refreshToken).not.toBe(reg.refreshToken);
    const second = await ok(stack.url, Refresh, { refreshToken: first.refreshSession.refreshToken });

    const reuse = await gql(stack.url, Refresh, { refreshToken: reg.refreshToken });
    expect(codes(reuse)).toEqual(['UNAUTHENTICATED']);
    // The newest tokens of that session are dead too.
    expect(codes(await gql(stack.url, Refresh, { refreshToken: second.refreshSession.refreshToken }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect((await gql(stack.url, Me, {}, { token: second.refreshSession.token })).data?.me).toBeNull();
  });

  it('rejects a malformed refresh token', async () => {
    for (const t of ['', 'garbage', 'not-a-uuid.secret', '00000000-0000-0000-0000-000000000000.secret']) {
      expect(codes(await gql(stack.url, Refresh, { refreshToken: t }))).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('logout revokes the access and refresh tokens at once', async () => {
    const reg = await register();
    expect(await ok(stack.url, Logout, {}, { token: reg.token })).toEqual({ logout: true });
    expect((await gql(stack.url, Me, {}, { token: reg.token })).data?.me).toBeNull();
    const again = await gql(stack.url, Logout, {}, { token: reg.token });
    expect(codes(again)).toEqual(['UNAUTHENTICATED']);
    expect(again.errors![0]!.message).toMatch(/no longer valid/);
    expect(codes(await gql(stack.url, Refresh, { refreshToken: reg.refreshToken }))).toEqual(['UNAUTHENTICATED']);
  });

  it('logout without a token is UNAUTHENTICATED', async () => {
    expect(codes(await gql(stack.url, Logout, {}))).toEqual(['UNAUTHENTICATED']);
  });

  it('a forged or garbage access token counts as signed out with a reason', async () => {
    const res = await gql(stack.url, Logout, {}, { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad' });
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('shows the email to the user themself', async () => {
    const res = await register();
    expect(res.user.email).toMatch(/@example\.com$/);
    expect((await ok(stack.url, UserEmail, {}, { token: res.token })).me?.email).toBe(res.user.email);
  });
});

describe('password reset', () => {
  const outboxFor = (email: string) =>
    stack.db.query<{ to: string; subject: string; body: string; createdAt: Date; sentAt: Date | null }>(
      `SELECT "to", subject, body, "createdAt", "sentAt" FROM "EmailOutbox" WHERE "to" = $1 AND body LIKE '%/reset-password?%' ORDER BY "createdAt"`,
      [email],
    );
  const tokenIn = (body: string) => /reset-password\?token=([\w-]+)/.exec(body)![1]!;
  // The email is written after the answer (so that known and unknown addresses answer alike).
  const mailed = (email: string, count = 1) =>
    until(
      async () => (await outboxFor(email)).length >= count && outboxFor(email),
      `${count} reset emails to ${email}`,
    );

  it('answers true for unknown emails and queues nothing', async () => {
    expect(await ok(stack.url, RequestReset, { email: 'ghost@example.com' })).toEqual({ requestPasswordReset: true });
    // Requests are handled in order: once a later one for a real account is mailed, the ghost's was handled.
    const email = freshEmail();
    await register(email);
    await ok(stack.url, RequestReset, { email });
    await mailed(email);
    expect(await outboxFor('ghost@example.com')).toHaveLength(0);
  });

  it('emails a single-use link that resets the password and revokes every session', async () => {
    const email = freshEmail();
    const reg = await register(email, 'old password');
    const other = await ok(stack.url, Login, { input: { email, password: 'old password' } });
    await ok(stack.url, RequestReset, { email: email.toUpperCase() });
    const [mail] = await mailed(email);
    expect(mail).toMatchObject({ to: email, sentAt: null });
    expect(mail!.body).toContain('https://app.example.test/reset-password?token=');
    const token = tokenIn(mail!.body);
    // Only a hash is stored.
    const stored = await stack.db.query('SELECT 1 FROM "PasswordResetToken" WHERE "tokenHash" = $1', [token]);
    expect(stored).toHaveLength(0);

    const reset = await ok(stack.url, ResetPassword, { token, newPassword: 'new password' });
    expect(reset.resetPassword.user.id).toBe(reg.user.id);
    expect((await gql(stack.url, Me, {}, { token: reg.token })).data?.me).toBeNull();
    expect((await gql(stack.url, Me, {}, { token: other.login.token })).data?.me).toBeNull();
    expect((await ok(stack.url, Me, {}, { token: reset.resetPassword.token })).me?.id).toBe(reg.user.id);
    expect(codes(await gql(stack.url, Login, { input: { email, password: 'old password' } }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    await ok(stack.url, Login, { input: { email, password: 'new password' } });

    const again = await gql(stack.url, ResetPassword, { token, newPassword: 'another password' });
    expect(codes(again)).toEqual(['BAD_USER_INPUT']);
    expect(again.errors![0]!.message).toMatch(/^token:/);
  });

  it('refuses an expired token', async () => {
    const email = freshEmail();
    await register(email);
    await ok(stack.url, RequestReset, { email });
    const token = tokenIn((await mailed(email))[0]!.body);
    await stack.db.query(`UPDATE "PasswordResetToken" SET "expiresAt" = now() - interval '1 second'`);
    expect(codes(await gql(stack.url, ResetPassword, { token, newPassword: 'new password' }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it('validates the new password', async () => {
    expect(codes(await gql(stack.url, ResetPassword, { token: 'x', newPassword: 'short' }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it('limits reset requests to 5 per email per hour', async () => {
    const email = freshEmail();
    await register(email);
    for (let i = 0; i < 5; i++) await ok(stack.url, RequestReset, { email });
    const res = await gql(stack.url, RequestReset, { email });
    expect(codes(res)).toEqual(['RATE_LIMITED']);
    expect(res.errors![0]!.extensions!['retryAfterSeconds']).toBeGreaterThan(3000);
    expect(await mailed(email, 5)).toHaveLength(5);
  });
});
