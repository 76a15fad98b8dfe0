// /metrics stays bounded whatever operation names clients send (issue 9, item 5).
import { startTestStack } from './support/server.js';

let stack: Awaited<ReturnType<typeof startTestStack>>;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

const post = (query: string, operationName?: string) =>
  fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, operationName }),
  });

/** The operation_name values of mockmate_graphql_requests_total. */
async function operationLabels(): Promise<Set<string>> {
  const text = await (await fetch(`${stack.app.url()}/metrics`)).text();
  const names = [...text.matchAll(/^mockmate_graphql_requests_total\{[^}]*operation_name="([^"]*)"/gm)].map(
    (m) => m[1]!,
  );
  return new Set(names);
}

it('labels requests by the root field the schema knows, else "other", however many names clients invent', async () => {
  for (let i = 0; i < 100; i++) {
    const res = await post(`query Invented${i}_${'x'.repeat(40)} { __typename }`);
    expect(res.status).toBe(200);
  }
  await post('query WhateverTheClientCallsIt { slots { id } }');
  await post('{ renamed: me { id } }');
  await post('query Two { me { id } } query Three { __typename }', 'Three');
  expect(await operationLabels()).toEqual(new Set(['other', 'slots', 'me']));
});
