// Browsers: only JSON runs, CORS_ORIGINS decides who gets CORS headers, and WebSocket
// upgrades from other origins are refused (issue 9, item 14).
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { admitted, connectWs, subscribe, type WsConnection } from './support/client.js';
import { startServer, startTestStack, type TestServer } from './support/server.js';
import { graphql } from './generated/gql.js';

const Typename = graphql(`
  query CorsTypename {
    __typename
  }
`);

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';
let stack: Awaited<ReturnType<typeof startTestStack>>;
let open: TestServer;
const sockets: WsConnection[] = [];
beforeAll(async () => {
  stack = await startTestStack({ CORS_ORIGINS: `${APP}, ${ADMIN}` });
  const { CORS_ORIGINS: _listed, ...unlisted } = stack.env;
  open = await startServer(unlisted);
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await open?.app.stop();
  await stack?.close();
});

const json = JSON.stringify({ query: '{ __typename }' });
const post = (url: string, headers: Record<string, string>, body: BodyInit = json) =>
  fetch(url, { method: 'POST', headers, body });

describe('content types', () => {
  it.each([
    ['application/x-www-form-urlencoded', new URLSearchParams({ query: '{ __typename }' }).toString()],
    ['text/plain', json],
    ['application/graphql', '{ __typename }'],
  ])('refuses %s (a browser simple request, or not JSON) with 415', async (type, body) => {
    const res = await post(stack.url, { 'content-type': type }, body);
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({
      errors: [{ message: expect.stringMatching(/application\/json/), extensions: { code: 'BAD_USER_INPUT' } }],
    });
  });

  it('refuses multipart/form-data with 415', async () => {
    const form = new FormData();
    form.set('operations', json);
    const res = await fetch(stack.url, { method: 'POST', body: form });
    expect(res.status).toBe(415);
  });

  it('runs JSON POSTs (any charset) and GET queries', async () => {
    const res = await post(stack.url, { 'content-type': 'application/json; charset=utf-8' });
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    const get = await fetch(`${stack.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json' },
    });
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('CORS_ORIGINS', () => {
  it('gives a listed origin CORS headers with credentials, on requests and preflights', async () => {
    const res = await post(stack.url, { 'content-type': 'application/json', origin: ADMIN });
    expect(res.headers.get('access-control-allow-origin')).toBe(ADMIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    const preflight = await fetch(stack.url, {
      method: 'OPTIONS',
      headers: {
        origin: APP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  });

  it.each(['https://evil.example', 'null', 'https://app.example.com.evil.example'])(
    'gives origin %s no CORS headers at all',
    async (origin) => {
      for (const res of [
        await post(stack.url, { 'content-type': 'application/json', origin }),
        await fetch(stack.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } }),
      ]) {
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
        expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      }
    },
  );

  it('unset outside production: any origin, without credentials', async () => {
    const res = await post(open.url, { 'content-type': 'application/json', origin: 'https://evil.example' });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://evil.example');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it("unset in production: APP_URL's origin only; a bad entry stops the start", () => {
    const base = { NODE_ENV: 'production', JWT_SECRET: 's'.repeat(32), APP_URL: 'https://mockmate.example/app/' };
    expect(loadConfig(base).corsOrigins).toEqual(new Set(['https://mockmate.example']));
    expect(loadConfig({ ...base, CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(() => loadConfig({ ...base, CORS_ORIGINS: 'https://a.example, mockmate.example' })).toThrow(
      /CORS_ORIGINS: "mockmate.example"/,
    );
  });
});

describe('WebSocket Origin', () => {
  const upgrade = (url: string, origin: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(url, 'graphql-transport-ws', { headers: { origin } });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
    });

  it('refuses upgrades from an origin outside the list with 403', async () => {
    expect(await upgrade(stack.wsUrl, 'https://evil.example')).toBe(403);
    expect(await upgrade(stack.wsUrl, 'null')).toBe(403);
  });

  it("admits listed origins, the API's own origin, and clients sending no Origin", async () => {
    expect(await upgrade(stack.wsUrl, APP)).toBe(101);
    expect(await upgrade(stack.wsUrl, new URL(stack.url).origin)).toBe(101);
    const scripted = await admitted(connectWs(stack.wsUrl));
    sockets.push(scripted);
    expect((await subscribe(scripted, Typename).next()).data).toEqual({ __typename: 'Query' });
  });
});
