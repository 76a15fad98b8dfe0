// Authentication on the WebSocket: settled at connection_init, and revoked
// sessions lose their sockets at once, on whichever instance they are.
import { SignJWT, decodeJwt } from 'jose';
import { graphql } from './generated/gql.js';
import { connectWs, ok, subscribe, type WsConnection } from './support/client.js';
import { TEST_JWT_SECRET, startServer, startTestStack, type TestServer } from './support/server.js';

const Register = graphql(`
  mutation WsRegister($input: RegisterInput!) {
    register(input: $input) {
      token
      user {
        id
      }
    }
  }
`);
const Logout = graphql(`
  mutation WsLogout {
    logout
  }
`);
const WsMe = graphql(`
  query WsMe {
    me {
      id
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let other: TestServer;
const open: WsConnection[] = [];
beforeAll(async () => {
  stack = await startTestStack();
  // A second instance on the same database and Redis, as behind nginx.
  other = await startServer(stack.env);
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.dispose()));
  await other.app.stop();
  await stack.close();
});

const connect = (url: string, token?: string, connectionParams?: Record<string, unknown>) => {
  const conn = connectWs(url, token, { connectionParams });
  open.push(conn);
  return conn;
};

let n = 0;
async function signUp() {
  const email = `ws${++n}-${Date.now()}@example.com`;
  const { register } = await ok(stack.url, Register, { input: { email, password: 'password123', name: 'Wes' } });
  const { sid } = decodeJwt(register.token) as { sid: string };
  return { token: register.token, userId: register.user.id, sessionId: sid };
}

/** An access token as the server signs them, with the expiry the test chooses. */
function signToken(userId: string, sessionId: string, expiresAt: Date, secret = TEST_JWT_SECRET) {
  const exp = Math.floor(expiresAt.getTime() / 1000);
  return new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer('mockmate')
    .setIssuedAt(exp - 900)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));
}

/** Runs `{ me { id } }` over the socket and returns `me`. */
async function meOver(conn: WsConnection) {
  const sub = subscribe(conn, WsMe);
  const result = await sub.next();
  sub.stop();
  expect(result.errors).toBeUndefined();
  return result.data!.me;
}

describe('connection_init', () => {
  it('closes with 4403 on a garbage token', async () => {
    const conn = connect(stack.wsUrl, 'not-a-jwt');
    expect(await conn.closed).toMatchObject({ code: 4403 });
  });

  it('closes with 4403 on a token signed with another secret', async () => {
    const { userId, sessionId } = await signUp();
    const forged = await signToken(userId, sessionId, new Date(Date.now() + 60_000), 'x'.repeat(64));
    expect(await connect(stack.wsUrl, forged).closed).toMatchObject({ code: 4403 });
  });

  it('closes with 4403 on an expired token of a live session, and accepts a fresh one of the same session', async () => {
    const { userId, sessionId } = await signUp();
    const expired = await signToken(userId, sessionId, new Date(Date.now() - 60_000));
    expect(await connect(stack.wsUrl, expired).closed).toMatchObject({ code: 4403 });

    const fresh = await signToken(userId, sessionId, new Date(Date.now() + 60_000));
    expect(await meOver(connect(stack.wsUrl, fresh))).toEqual({ id: userId });
  });

  it('closes with 4403 on the token of a session already logged out', async () => {
    const { token } = await signUp();
    await ok(stack.url, Logout, {}, { token });
    expect(await connect(stack.wsUrl, token).closed).toMatchObject({ code: 4403 });
  });

  it('connects anonymously without a token: me is null', async () => {
    expect(await meOver(connect(stack.wsUrl))).toBeNull();
  });

  it('connects with a valid token: me is the user', async () => {
    const { token, userId } = await signUp();
    expect(await meOver(connect(stack.wsUrl, token))).toEqual({ id: userId });
  });

  it('accepts the authorization key in any case, as GraphiQL and HTTP habits send it', async () => {
    const { token, userId } = await signUp();
    for (const key of ['Authorization', 'AUTHORIZATION']) {
      expect(await meOver(connect(stack.wsUrl, undefined, { [key]: `Bearer ${token}` }))).toEqual({ id: userId });
    }
  });

  it.each([
    ['not Bearer', 'Token abc'],
    ['a bare token', 'abc.def.ghi'],
    ['an empty string', ''],
    ['a number', 42],
    ['an object', { token: 'abc' }],
  ])('closes with 4403 on a malformed authorization value (%s)', async (_what, value) => {
    expect(await connect(stack.wsUrl, undefined, { Authorization: value }).closed).toMatchObject({ code: 4403 });
  });

  it('treats a null authorization as no token', async () => {
    expect(await meOver(connect(stack.wsUrl, undefined, { authorization: null }))).toBeNull();
  });
});

describe('revoked sessions', () => {
  it("logout over HTTP closes that session's open sockets with 4403, and no one else's", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const aliceWs = connect(stack.wsUrl, alice.token);
    const bobWs = connect(stack.wsUrl, bob.token);
    // Both connected (connection_init acknowledged) before the logout.
    expect(await meOver(aliceWs)).toEqual({ id: alice.userId });
    expect(await meOver(bobWs)).toEqual({ id: bob.userId });

    await ok(stack.url, Logout, {}, { token: alice.token });
    expect(await aliceWs.closed).toMatchObject({ code: 4403 });
    expect(await meOver(bobWs)).toEqual({ id: bob.userId });
  });

  it('logout on one instance closes the socket held by another instance', async () => {
    const carol = await signUp();
    const onOther = connect(other.wsUrl, carol.token);
    expect(await meOver(onOther)).toEqual({ id: carol.userId });

    await ok(stack.url, Logout, {}, { token: carol.token });
    expect(await onOther.closed).toMatchObject({ code: 4403 });
  });
});

describe('a token per operation (extensions.headers, as GraphiQL sends its Headers pane)', () => {
  const meWithHeaders = (conn: WsConnection, headers: Record<string, unknown>) =>
    new Promise<{ data?: { me: { id: string } | null } | null; errors?: { extensions?: Record<string, unknown> }[] }>(
      (resolve) => {
        conn.client.subscribe(
          { query: 'query { me { id } }', extensions: { headers } },
          { next: (r) => resolve(r as never), error: (e) => resolve({ errors: e as never }), complete: () => {} },
        );
      },
    );

  it('signs that operation in on a signed-out socket, the key in any case', async () => {
    const { token, userId } = await signUp();
    const conn = connect(stack.wsUrl);
    expect(await meWithHeaders(conn, { Authorization: `Bearer ${token}` })).toEqual({ data: { me: { id: userId } } });
    expect(await meWithHeaders(conn, { authorization: `Bearer ${token}` })).toEqual({ data: { me: { id: userId } } });
    // Other operations on the socket stay signed out.
    expect(await meOver(conn)).toBeNull();
  });

  it('refuses a bad or malformed token with UNAUTHENTICATED, keeping the socket', async () => {
    const conn = connect(stack.wsUrl);
    for (const value of ['Bearer not-a-jwt', 'Token abc']) {
      const res = await meWithHeaders(conn, { Authorization: value });
      expect(res.errors?.map((e) => e.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);
    }
    expect(await meOver(conn)).toBeNull();
  });

  it('logging that session out closes the socket with 4403', async () => {
    const { token, userId } = await signUp();
    const conn = connect(stack.wsUrl);
    expect(await meWithHeaders(conn, { Authorization: `Bearer ${token}` })).toEqual({ data: { me: { id: userId } } });
    await ok(stack.url, Logout, {}, { token });
    expect(await conn.closed).toMatchObject({ code: 4403 });
  });
});
