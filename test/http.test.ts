// The HTTP surface: health, readiness, metrics, GraphiQL, and GraphQL over
// HTTP's edges (status codes, error codes, limits, masking).
import { graphql } from './generated/gql.js';
import { gql, ok } from './support/client.js';
import { startTestStack } from './support/server.js';

const MetricsProbe = graphql(`
  query HttpMetricsProbe {
    me {
      id
    }
  }
`);
const RegisterForMasking = graphql(`
  mutation HttpRegister($input: RegisterInput!) {
    register(input: $input) {
      token
      user {
        id
      }
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let base: string;
beforeAll(async () => {
  stack = await startTestStack();
  base = stack.url.replace(/\/graphql$/, '');
});
afterAll(() => stack.close());

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

interface Raw {
  status: number;
  contentType: string;
  text: string;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } | undefined;
}

async function raw(init: {
  method?: string;
  query?: string;
  body?: unknown;
  accept?: string;
  path?: string;
}): Promise<Raw> {
  const url = new URL(init.path ?? stack.url);
  if (init.query !== undefined) url.searchParams.set('query', init.query);
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      accept: init.accept ?? GRAPHQL_RESPONSE,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: Raw['body'];
  try {
    body = JSON.parse(text) as Raw['body'];
  } catch {
    body = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, body };
}

const errorCodes = (r: Raw) => (r.body?.errors ?? []).map((e) => e.extensions?.['code']);

describe('operational endpoints', () => {
  it('/health answers 200', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('keeps idle connections 65 s, longer than a load balancer, so a client reusing one is not cut off at 5 s', async () => {
    const res = await fetch(`${base}/health`);
    await res.text();
    expect(res.headers.get('keep-alive')).toBe('timeout=65');
  });

  it('/ready answers 200 when the database and Redis are reachable', async () => {
    const res = await fetch(`${base}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
  });

  it('/metrics is Prometheus text that counts GraphQL operations', async () => {
    await ok(stack.url, MetricsProbe, {});
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE mockmate_graphql_requests_total counter');
    const line = text
      .split('\n')
      // Labelled by root field (me), not by the client's name (test/metrics-labels.test.ts).
      .find((l) => l.startsWith('mockmate_graphql_requests_total{') && l.includes('operation_name="me"'));
    expect(line).toMatch(/operation_type="query"/);
    expect(line).toMatch(/outcome="ok"/);
    expect(Number(line!.split(' ').pop())).toBeGreaterThanOrEqual(1);
  });

  it('serves GraphiQL on /graphql to a browser', async () => {
    const res = await raw({ accept: 'text/html' });
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/html/);
    expect(res.text).toContain('MockMate API');
  });

  it('serves the web app at / and its routes, its assets cached for good, and 404 for a missing file', async () => {
    for (const path of ['/', '/reset-password?token=abc', '/session/some-id']) {
      const page = await raw({ path: `${base}${path}`, accept: 'text/html' });
      expect([page.status, page.contentType]).toEqual([200, 'text/html; charset=utf-8']);
      expect(page.text).toContain('<div id="root"></div>');
    }
    const script = /src="(\/assets\/[^"]+\.js)"/.exec((await raw({ path: `${base}/`, accept: 'text/html' })).text)![1]!;
    const asset = await fetch(`${base}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await raw({ path: `${base}/nope.js` })).status).toBe(404);
    expect((await raw({ path: `${base}/assets/..%2f..%2fpackage.json` })).status).toBe(404);
    expect((await raw({ path: `${base}/`, method: 'POST', body: {} })).status).toBe(404);
  });
});

describe('GraphQL over HTTP', () => {
  it('a parse error is 400 BAD_USER_INPUT as application/graphql-response+json', async () => {
    const res = await raw({ body: { query: '{ me { id ' } });
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/graphql-response\+json/);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body!.errors![0]!.message).toMatch(/Syntax Error/);
  });

  it('a validation error (unknown field) is 400 naming the field', async () => {
    const res = await raw({ body: { query: '{ me { id shoeSize } }' } });
    expect(res.status).toBe(400);
    expect(res.body?.data).toBeUndefined();
    expect(res.body!.errors![0]!.message).toContain('shoeSize');
  });

  it('a validation error carries BAD_USER_INPUT', async () => {
    const res = await raw({ body: { query: '{ me { id shoeSize } }' } });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  });

  it('a missing required variable is 400 BAD_USER_INPUT naming the variable', async () => {
    const res = await raw({
      body: { query: 'mutation ($email: String!) { requestPasswordReset(email: $email) }', variables: {} },
    });
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body!.errors![0]!.message).toContain('$email');
  });

  it('a variable of the wrong type is 400 BAD_USER_INPUT naming the variable', async () => {
    const res = await raw({
      body: { query: 'mutation ($email: String!) { requestPasswordReset(email: $email) }', variables: { email: 42 } },
    });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.status).toBe(400);
    expect(res.body!.errors![0]!.message).toContain('$email');
  });

  it('runs a query sent with GET', async () => {
    const res = await raw({ query: '{ __typename me { id } }' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { __typename: 'Query', me: null } });
  });

  it('refuses a mutation sent with GET with 405', async () => {
    const res = await raw({ query: 'mutation { logout }' });
    expect(res.status).toBe(405);
    expect(res.body?.errors?.[0]?.message).toMatch(/POST/);
  });

  it('refuses a batch (JSON array body) with 400 BAD_USER_INPUT and runs none of it', async () => {
    const res = await raw({ body: [{ query: '{ __typename }' }, { query: '{ __typename }' }] });
    expect(res.status).toBe(400);
    expect(res.body?.data).toBeUndefined();
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body!.errors![0]!.message).toMatch(/batch/i);
  });

  // Found by test/faults/fuzz.test.ts: these came back with an empty body, or never ended.
  it('refuses a body it cannot parse (unknown content type) with 415 and a coded error', async () => {
    const res = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<query/>' });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({
      errors: [{ message: expect.stringMatching(/application\/json/), extensions: { code: 'BAD_USER_INPUT' } }],
    });
  });

  it.each([
    ['POST', { body: { query: 'subscription { matchFound { type } }' } }],
    ['GET, which would stream events', { query: 'subscription { matchFound { type } }', accept: '*/*' }],
  ])('answers a subscription over HTTP (%s) with BAD_USER_INPUT pointing to WebSocket', async (_how, init) => {
    const res = await raw(init);
    expect(res.status).toBeLessThan(500);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body!.errors![0]!.message).toMatch(/WebSocket/);
  });

  it('refuses GET variables that are not JSON with 400 BAD_USER_INPUT', async () => {
    const res = await raw({ path: `${stack.url}?query=${encodeURIComponent('{ __typename }')}&variables=%7Bbad` });
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  });

  it.each([
    [
      'a variable',
      {
        query: 'mutation($email: String!) { requestPasswordReset(email: $email) }',
        variables: { email: 'a\u0000@example.com' },
      },
      '$email',
    ],
    [
      'a nested variable',
      {
        query: 'mutation($i: LoginInput!) { login(input: $i) { token } }',
        variables: { i: { email: 'x\u0000', password: 'p' } },
      },
      '$i.email',
    ],
    ['a literal', { query: 'mutation { requestPasswordReset(email: "a\\u0000@example.com") }' }, 'email'],
    [
      'an unpaired surrogate',
      {
        query: 'mutation($email: String!) { requestPasswordReset(email: $email) }',
        variables: { email: '\udfff@example.com' },
      },
      '$email',
    ],
  ])(
    'refuses unstorable text (%s) with BAD_USER_INPUT naming it (PostgreSQL text cannot hold one)',
    async (_where, body, field) => {
      const message = `${field}: must not contain NUL characters or unpaired surrogates.`;
      // Twice: the second request gets the document yoga parsed and the server checked the first time.
      for (let i = 0; i < 2; i++) {
        const res = await raw({ body });
        expect(res.body?.errors).toEqual([{ message, extensions: { code: 'BAD_USER_INPUT', field } }]);
      }
    },
  );

  it('refuses a URL too long for the HTTP parser with 431 and a coded error', async () => {
    const res = await raw({ query: `{ __typename } #${'x'.repeat(100_000)}` });
    expect(res.status).toBe(431);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('limits', () => {
  // (__typename is on armor's allow list, so the aliases are of a real field.)
  const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;

  it('accepts 15 aliases and refuses 16 with BAD_USER_INPUT', async () => {
    const fifteen = await raw({ body: { query: aliases(15) } });
    expect(fifteen.status).toBe(200);
    expect(Object.keys(fifteen.body!.data as object)).toHaveLength(15);

    const sixteen = await raw({ body: { query: aliases(16) } });
    expect(sixteen.body?.data).toBeUndefined();
    expect(errorCodes(sixteen)).toEqual(['BAD_USER_INPUT']);
    expect(sixteen.body!.errors![0]!.message).toMatch(/aliases/i);
  });

  it('refuses a very deep query with BAD_USER_INPUT', async () => {
    // A valid document (introspection of a type), nested past the depth limit.
    const chain = (n: number): string => (n === 0 ? 'name' : `name ofType { ${chain(n - 1)} }`);
    // Depth 13 (__type, fields, type, nine ofType, name): one past the limit, well under the cost limit.
    const res = await raw({ body: { query: `{ __type(name: "User") { fields { type { ${chain(9)} } } } }` } });
    expect(res.body?.data).toBeUndefined();
    expect(errorCodes(res).length).toBeGreaterThan(0);
    expect(new Set(errorCodes(res))).toEqual(new Set(['BAD_USER_INPUT']));
    expect(res.body!.errors!.map((e) => e.message).join('\n')).toMatch(/depth limit of 12 exceeded, found 13/i);
  });

  it('accepts the same query at the depth limit', async () => {
    const chain = (n: number): string => (n === 0 ? 'name' : `name ofType { ${chain(n - 1)} }`);
    const res = await raw({ body: { query: `{ __type(name: "User") { fields { type { ${chain(8)} } } } }` } });
    expect(res.status).toBe(200);
    expect(res.body?.errors).toBeUndefined();
  });
});

describe('an unexpected failure', () => {
  it('is INTERNAL_SERVER_ERROR with a generic message and no internals', async () => {
    await stack.db.query('ALTER TABLE "Session" RENAME TO "SessionX"');
    let res;
    try {
      res = await gql(stack.url, RegisterForMasking, {
        input: { email: `masked-${Date.now()}@example.com`, password: 'password123', name: 'Mask' },
      });
    } finally {
      await stack.db.query('ALTER TABLE "SessionX" RENAME TO "Session"');
    }
    expect(res.data).toBeNull();
    expect(res.errors).toHaveLength(1);
    const [error] = res.errors!;
    expect(error!.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String) });
    expect(error!.message).toBe('Something went wrong on our side. It has been logged.');
    const text = JSON.stringify(res);
    for (const leak of ['Session', 'relation', 'does not exist', 'prisma', 'INSERT', 'stack', '    at ']) {
      expect(text).not.toContain(leak);
    }
    // The same operation works once the table is back: the failure was the table, not the request.
    await ok(stack.url, RegisterForMasking, {
      input: { email: `unmasked-${Date.now()}@example.com`, password: 'password123', name: 'Mask' },
    });
  });
});
