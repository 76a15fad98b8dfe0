// Child process: autocannon load generator for bench:http. One `run` request
// = one autocannon run against one target; every request is built by the
// same setupRequest (so the client does the same work for every target) and
// every response body is checked: it must carry `"data"` and no `"errors"`.
//
// Targets:
//   hello     { hello }                                  (bare yoga)
//   me        { me { id name email } }, a user's token    (MockMate)
//   write     book(slotId, userId) — a fresh (user, slot) pair each time (bare yoga)
//   bookSlot  bookSlot(input: { slotId }), as that user — a fresh pair each time (MockMate)
// Fresh pairs: request k books user k mod U into slot floor(k / U) of the
// run's slots, so concurrent requests are different users and no request
// repeats a booking; the slots do not overlap, so every bookSlot is valid.
import autocannon from 'autocannon';
import { announceReady, serveParent } from './support.js';

type Target = 'hello' | 'me' | 'write' | 'bookSlot';

interface RunArg {
  url: string;
  target: Target;
  durationS: number;
  connections: number;
  tokens: string[];
  userIds: string[];
  slotIds: string[];
}

const QUERIES: Record<Target, string> = {
  hello: '{ hello }',
  me: '{ me { id name email } }',
  write: 'mutation Book($s: ID!, $u: ID!, $d: String!) { book(slotId: $s, userId: $u, difficulty: $d) { id status } }',
  bookSlot: 'mutation Book($i: BookSlotInput!) { bookSlot(input: $i) { id status } }',
};

let pairsUsed = 0;

function run(arg: RunArg) {
  const U = arg.userIds.length;
  const capacity = U * arg.slotIds.length;
  let turn = 0;
  let firstBad: string | null = null;
  let exhausted = false;
  /** The next request: which user sends it, and its JSON body. */
  const next = (): { user: number; body: string } => {
    if (arg.target === 'hello' || arg.target === 'me') {
      return { user: turn++ % U, body: JSON.stringify({ query: QUERIES[arg.target] }) };
    }
    const n = pairsUsed++;
    if (n >= capacity) exhausted = true;
    const slotId = arg.slotIds[Math.floor(n / U) % arg.slotIds.length]!;
    const user = n % U;
    const variables =
      arg.target === 'write'
        ? { s: slotId, u: arg.userIds[user]!, d: 'MEDIUM' }
        : { i: { slotId, difficulty: 'MEDIUM' } };
    return { user, body: JSON.stringify({ query: QUERIES[arg.target], variables }) };
  };
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const instance = autocannon(
      {
        url: arg.url,
        connections: arg.connections,
        duration: arg.durationS,
        pipelining: 1,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => {
              const { user, body } = next();
              return {
                ...req,
                body,
                headers: {
                  'content-type': 'application/json',
                  accept: 'application/graphql-response+json',
                  authorization: `Bearer ${arg.tokens[user]}`,
                },
              };
            },
          },
        ],
        verifyBody: (b) => {
          const text = String(b);
          const ok = text.includes('"data"') && !text.includes('"errors"');
          if (!ok && firstBad === null) firstBad = text.slice(0, 500);
          return ok;
        },
      },
      (err, result) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        resolve({
          rps: result.requests.average,
          total: result.requests.total,
          seconds: result.duration,
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          max: result.latency.max,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          mismatches: result.mismatches,
          firstBad,
          exhausted,
          pairsUsed,
        });
      },
    );
    void instance;
  });
}

serveParent({ run: (arg: RunArg) => run(arg), resetPairs: () => (pairsUsed = 0) });
announceReady();
