// A socket lives as long as the access tokens it runs operations with: the one it was
// opened with, and any sent per operation (issue 9, item 13).
import { graphql } from './generated/gql.js';
import { admitted, connectWs, ok, subscribe, type WsConnection } from './support/client.js';
import { registerUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

const Me = graphql(`
  query ExpiryMe {
    me {
      id
    }
  }
`);
const Refresh = graphql(`
  mutation ExpiryRefresh($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      token
    }
  }
`);
const Login = graphql(`
  mutation ExpiryLogin($input: LoginInput!) {
    login(input: $input) {
      token
      refreshToken
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
const sockets: WsConnection[] = [];
beforeAll(async () => {
  stack = await startTestStack({ ACCESS_TOKEN_TTL_SECONDS: '3' });
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack?.close();
});

it('closes a socket with 4403 when its access token expires; a fresh token opens a new one', async () => {
  const user = await registerUser(stack.url);
  const { login } = await ok(stack.url, Login, { input: { email: user.email, password: 'password123' } });
  const conn = await admitted(connectWs(stack.wsUrl, login.token));
  sockets.push(conn);
  const openedAt = Date.now();
  // It runs operations while the token is valid.
  expect((await subscribe(conn, Me).next()).data?.me?.id).toBe(user.id);

  expect(await conn.closed).toEqual({ code: 4403, reason: 'Token expired' });
  const expiresAt =
    (JSON.parse(Buffer.from(login.token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
  expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
  expect(Date.now() - openedAt).toBeLessThan(3_000 + 3_000);

  const { refreshSession } = await ok(stack.url, Refresh, { refreshToken: login.refreshToken });
  const fresh = await admitted(connectWs(stack.wsUrl, refreshSession.token));
  sockets.push(fresh);
  expect((await subscribe(fresh, Me).next()).data?.me?.id).toBe(user.id);
});

it('closes the socket with 4403 when a token sent per operation (extensions.headers, as GraphiQL does) expires', async () => {
  const user = await registerUser(stack.url);
  const { login } = await ok(stack.url, Login, { input: { email: user.email, password: 'password123' } });
  // An anonymous socket: only the operation carries the token.
  const conn = await admitted(connectWs(stack.wsUrl));
  sockets.push(conn);
  const result = await new Promise<unknown>((resolve, reject) => {
    conn.client.subscribe(
      {
        query: 'query ExpiryPerOperation { me { id } }',
        extensions: { headers: { Authorization: `Bearer ${login.token}` } },
      },
      { next: resolve, error: reject, complete: () => {} },
    );
  });
  expect(result).toMatchObject({ data: { me: { id: user.id } } });
  expect(await conn.closed).toEqual({ code: 4403, reason: 'Token expired' });
  const expiresAt =
    (JSON.parse(Buffer.from(login.token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
  expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
});
