// A client's mistake over WebSocket is an error for that operation, with an
// contract code (docs/api.md), and never costs the connection its other subscriptions.
import WebSocket from 'ws';
import { connectWs, type WsConnection } from './support/client.js';
import { startTestStack } from './support/server.js';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let conn: WsConnection;
beforeAll(async () => {
  stack = await startTestStack();
  conn = connectWs(stack.wsUrl);
});
afterAll(async () => {
  await conn.dispose();
  await stack.close();
});

interface Outcome {
  kind: 'next' | 'error' | 'closed';
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  data?: unknown;
}

/** Sends a raw document over the shared socket and reports the first thing that comes back. */
function send(query: string, variables?: Record<string, unknown>): Promise<Outcome> {
  return new Promise((resolve) => {
    conn.client.subscribe(
      { query, variables },
      {
        next: (r) => resolve({ kind: 'next', data: r.data, errors: r.errors as Outcome['errors'] }),
        error: (e) =>
          resolve(
            Array.isArray(e)
              ? { kind: 'error', errors: e as Outcome['errors'] }
              : { kind: 'closed', errors: [{ message: String((e as { reason?: string }).reason ?? e) }] },
          ),
        complete: () => {},
      },
    );
  });
}

const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;

it.each([
  ['a parse error', '{ me { id ', /Syntax Error/],
  ['an unknown field', '{ me { shoeSize } }', /shoeSize/],
  ['too many aliases', aliases(16), /Aliases limit of 15/],
])('%s is an operation error with BAD_USER_INPUT, and the socket stays open', async (_what, query, message) => {
  const outcome = await send(query);
  expect(outcome.kind).toBe('error');
  expect(outcome.errors).toHaveLength(1);
  expect(outcome.errors![0]!.message).toMatch(message);
  expect(outcome.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  // The same connection still works.
  expect(await send('{ __typename }')).toEqual({ kind: 'next', data: { __typename: 'Query' }, errors: undefined });
});

// Found by test/faults/fuzz.test.ts: graphql-ws answered these without a code.
it.each([
  ['an unknown operationName', 'query A { __typename }', 'Nope', /Unknown operation named "Nope"/],
  ['an empty operationName', 'query A { __typename }', '', /Unknown operation named ""/],
  [
    'two operations and no operationName',
    'query A { __typename } query B { __typename }',
    undefined,
    /Must provide operation name/,
  ],
])(
  '%s is an operation error with BAD_USER_INPUT, and the socket stays open',
  async (_what, query, operationName, message) => {
    const outcome = await new Promise<Outcome>((resolve) => {
      conn.client.subscribe(
        { query, ...(operationName !== undefined ? { operationName } : {}) },
        {
          next: (r) => resolve({ kind: 'next', data: r.data }),
          error: (e) => resolve({ kind: 'error', errors: e as Outcome['errors'] }),
          complete: () => {},
        },
      );
    });
    expect(outcome.kind).toBe('error');
    expect(outcome.errors).toEqual([
      { message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } },
    ]);
    expect(await send('{ __typename }')).toEqual({ kind: 'next', data: { __typename: 'Query' }, errors: undefined });
  },
);

it.each([
  '{"type":"next","id":"1","payload":{}}',
  '{"type":"error","id":"1","payload":[]}',
  '{"type":"connection_ack"}',
])('a client sending a server message (%s) is closed with 4400, not 4500', async (message) => {
  const socket = new WebSocket(stack.wsUrl, 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  socket.on('open', () => {
    socket.send('{"type":"connection_init","payload":{}}');
    socket.send(message);
  });
  expect(await closed).toBe(4400);
});
