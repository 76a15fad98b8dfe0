// Refresh-token rotation: reuse of a token the session really issued ends the session; a token it
// never issued ends nothing (finding 11); parallel refreshes of one token share its successor within
// the grace period (finding 12).
import { hashSecret, randomSecret } from '../src/domain/account.js';
import { graphql } from './generated/gql.js';
import { codes, gql, ok } from './support/client.js';
import { startTestStack } from './support/server.js';

const RtRegister = graphql(`
  mutation RtRegister($input: RegisterInput!) {
    register(input: $input) {
      token
      refreshToken
      user {
        id
      }
    }
  }
`);
const RtRefresh = graphql(`
  mutation RtRefresh($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      token
      refreshToken
    }
  }
`);
const RtMe = graphql(`
  query RtMe {
    me {
      id
    }
  }
`);

// Generous, so 20 refreshes queued on one row lock all land in it on a loaded machine; the tests that
// need it over move the rotation back in time instead of waiting.
const GRACE_SECONDS = 60;
let stack: Awaited<ReturnType<typeof startTestStack>>;
beforeAll(async () => {
  stack = await startTestStack({ REFRESH_GRACE_SECONDS: String(GRACE_SECONDS) });
});
afterAll(() => stack.close());

let n = 0;
const register = async () =>
  (
    await ok(stack.url, RtRegister, {
      input: { email: `rt${++n}-${Date.now()}@example.com`, password: 'password123', name: 'R' },
    })
  ).register;
const refresh = (refreshToken: string) => gql(stack.url, RtRefresh, { refreshToken });
const sessionIdOf = (accessToken: string) =>
  (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
const alive = async (accessToken: string) => (await gql(stack.url, RtMe, {}, { token: accessToken })).data?.me != null;
/** Moves the session's last rotation out of the grace period, as the passing of time would. */
const graceOver = (sessionId: string) =>
  stack.db.query(`UPDATE "Session" SET "rotatedAt" = now() - interval '1 hour' WHERE id = $1`, [sessionId]);

describe('finding 11: a session id alone cannot log anyone out', () => {
  it('refreshSession("<sessionId>.wrongsecret") is UNAUTHENTICATED and revokes nothing', async () => {
    const victim = await register();
    const sid = sessionIdOf(victim.token);
    for (const forged of [
      `${sid}.wrongsecret`,
      `${sid}.0.wrongsecret`,
      `${sid}.1.wrongsecret`,
      `${sid}.999.wrongsecret`,
    ]) {
      expect(codes(await refresh(forged))).toEqual(['UNAUTHENTICATED']);
    }
    const [row] = await stack.db.query<{ revokedAt: Date | null }>('SELECT "revokedAt" FROM "Session" WHERE id = $1', [
      sid,
    ]);
    expect(row!.revokedAt).toBeNull();
    expect(await alive(victim.token)).toBe(true);
    expect((await ok(stack.url, RtRefresh, { refreshToken: victim.refreshToken })).refreshSession.token).toBeTruthy();
  });

  it('a token the session really issued, presented after it was rotated away, still revokes the session', async () => {
    const user = await register();
    const first = (await ok(stack.url, RtRefresh, { refreshToken: user.refreshToken })).refreshSession;
    await graceOver(sessionIdOf(user.token));
    expect(codes(await refresh(user.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect(await alive(first.token)).toBe(false);
    expect(codes(await refresh(first.refreshToken))).toEqual(['UNAUTHENTICATED']);
  });

  it('a token from two rotations ago counts as reuse too', async () => {
    const user = await register();
    const first = (await ok(stack.url, RtRefresh, { refreshToken: user.refreshToken })).refreshSession;
    const second = (await ok(stack.url, RtRefresh, { refreshToken: first.refreshToken })).refreshSession;
    expect(codes(await refresh(user.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect(await alive(second.token)).toBe(false);
  });
});

describe('finding 12: parallel refreshes do not log the user out', () => {
  it('20 parallel refreshes of one token all get the same new refresh token, and the session lives on', async () => {
    const user = await register();
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(user.refreshToken)));
    expect(results.flatMap(codes)).toEqual([]);
    const rotated = new Set(results.map((r) => r.data!.refreshSession.refreshToken));
    expect(rotated.size).toBe(1);
    const [next] = [...rotated];
    expect(next).not.toBe(user.refreshToken);
    for (const r of results) expect(await alive(r.data!.refreshSession.token)).toBe(true);
    // The successor rotates on as usual.
    expect((await ok(stack.url, RtRefresh, { refreshToken: next! })).refreshSession.refreshToken).not.toBe(next);
  });

  it('after the grace period the rotated-away token is reuse again', async () => {
    const user = await register();
    const first = (await ok(stack.url, RtRefresh, { refreshToken: user.refreshToken })).refreshSession;
    expect((await ok(stack.url, RtRefresh, { refreshToken: user.refreshToken })).refreshSession.refreshToken).toBe(
      first.refreshToken,
    );
    await graceOver(sessionIdOf(user.token));
    expect(codes(await refresh(user.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect(await alive(first.token)).toBe(false);
  });

  it('the grace covers only the token just rotated away, not older ones', async () => {
    const user = await register();
    const first = (await ok(stack.url, RtRefresh, { refreshToken: user.refreshToken })).refreshSession;
    const second = (await ok(stack.url, RtRefresh, { refreshToken: first.refreshToken })).refreshSession;
    // `first` is within the grace; the registration's token is two rotations old.
    expect((await ok(stack.url, RtRefresh, { refreshToken: first.refreshToken })).refreshSession.refreshToken).toBe(
      second.refreshToken,
    );
    expect(codes(await refresh(user.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect(await alive(second.token)).toBe(false);
  });
});

it('a session from before derived tokens (`<sessionId>.<secret>`) rotates into the new format once, and its old token is then refused', async () => {
  const user = await register();
  const sid = sessionIdOf(user.token);
  const legacySecret = randomSecret();
  await stack.db.query(
    `UPDATE "Session" SET "refreshSeed" = NULL, "refreshGeneration" = 0, "refreshTokenHash" = $2 WHERE id = $1`,
    [sid, hashSecret(legacySecret)],
  );
  const rotated = (await ok(stack.url, RtRefresh, { refreshToken: `${sid}.${legacySecret}` })).refreshSession;
  expect(rotated.refreshToken).toMatch(new RegExp(`^${sid}\\.1\\.`));
  expect(codes(await refresh(`${sid}.${legacySecret}`))).toEqual(['UNAUTHENTICATED']);
  expect(await alive(rotated.token)).toBe(true);
});
