// Sign-in limits under attack, on two instances sharing one database and one Redis: a limit is
// reserved before the password is checked (so parallel guesses cannot outrun it), and attackers
// lock out their own addresses, not the account's owner.
import { graphql } from './generated/gql.js';
import { codes, gql, type GqlResponse } from './support/client.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { startServer, testEnv, type TestServer } from './support/server.js';

const SecRegister = graphql(`
  mutation SecRegister($input: RegisterInput!) {
    register(input: $input) {
      user {
        id
      }
    }
  }
`);
const SecLogin = graphql(`
  mutation SecLogin($input: LoginInput!) {
    login(input: $input) {
      user {
        id
      }
    }
  }
`);

const PER_ACCOUNT_ADDRESS = 5;
const PER_ADDRESS = 20;
const PER_ACCOUNT = 10;

let db: TestDatabase;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  const env = testEnv(db, {
    LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: String(PER_ACCOUNT_ADDRESS),
    LOGIN_FAILURES_PER_ADDRESS: String(PER_ADDRESS),
    LOGIN_FAILURES_PER_ACCOUNT: String(PER_ACCOUNT),
    // 100 parallel sign-ins must reach the limits, not the hashing queue.
    ARGON2_QUEUE: '200',
  });
  [a, b] = await Promise.all([
    startServer({ ...env, INSTANCE_NAME: 'sec-a' }),
    startServer({ ...env, INSTANCE_NAME: 'sec-b' }),
  ]);
});
afterAll(async () => {
  await Promise.all([a.app.stop(), b.app.stop()]);
  await db.drop();
});

let n = 0;
let subnet = 0;
/** A fresh /24 of client addresses per test, so no test meets another's counters. */
const addresses = () => {
  const net = ++subnet;
  return (host: number) => `10.${net}.${Math.floor(host / 250)}.${(host % 250) + 1}`;
};
const PASSWORD = 'the right password';

async function victim() {
  const email = `victim${++n}-${Date.now()}@example.com`;
  const res = await gql(
    a.url,
    SecRegister,
    { input: { email, password: PASSWORD, name: 'Victim' } },
    { ip: `192.168.${n}.1` },
  );
  expect(res.errors).toBeUndefined();
  return email;
}

const login = (server: TestServer, email: string, password: string, ip: string) =>
  gql(server.url, SecLogin, { input: { email, password } }, { ip });

/** argon2 verifications both instances ran so far, from their /metrics. */
async function verifications() {
  let total = 0;
  for (const server of [a, b]) {
    const text = await (await fetch(`${server.app.url()}/metrics`)).text();
    total += Number(/^mockmate_password_hashes_total\{kind="verify"\} (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return total;
}

/**
 * 99 wrong guesses in parallel across both instances; the right password goes out once `limit`
 * of them have been answered, while the rest are still in flight.
 */
async function parallelGuesses(email: string, ipOf: (i: number) => string, limit: number) {
  let answered = 0;
  let releaseRight!: () => void;
  const limitReached = new Promise<void>((r) => (releaseRight = r));
  const wrong = Array.from({ length: 99 }, (_, i) =>
    login(i % 2 ? a : b, email, `wrong guess ${i}`, ipOf(i)).then((res) => {
      if (codes(res)[0] === 'UNAUTHENTICATED' && ++answered === limit) releaseRight();
      return res;
    }),
  );
  const right = limitReached.then(() => login(a, email, PASSWORD, ipOf(99)));
  const results = await Promise.all([...wrong, right]);
  return { wrong: results.slice(0, 99), right: results[99]! };
}

const tally = (results: GqlResponse<unknown>[]) => {
  const out: Record<string, number> = {};
  for (const r of results) {
    const code = (codes(r)[0] as string | undefined) ?? 'OK';
    out[code] = (out[code] ?? 0) + 1;
  }
  return out;
};

describe('finding 1: the sign-in limit holds under concurrency', () => {
  it('100 parallel guesses from 50 addresses on two instances verify at most the per-account limit, and the right password among them is refused', async () => {
    const email = await victim();
    const ip = addresses();
    const before = await verifications();
    const { wrong, right } = await parallelGuesses(email, (i) => ip(i % 50), PER_ACCOUNT);
    expect(await verifications()).toBe(before + PER_ACCOUNT);
    expect(tally(wrong)).toEqual({ UNAUTHENTICATED: PER_ACCOUNT, RATE_LIMITED: 99 - PER_ACCOUNT });
    expect(codes(right)).toEqual(['RATE_LIMITED']);
  }, 120_000);

  it('100 parallel guesses from one address on two instances verify at most the per-account-and-address limit', async () => {
    const email = await victim();
    const ip = addresses();
    const before = await verifications();
    const { wrong, right } = await parallelGuesses(email, () => ip(0), PER_ACCOUNT_ADDRESS);
    expect(await verifications()).toBe(before + PER_ACCOUNT_ADDRESS);
    expect(tally(wrong)).toEqual({ UNAUTHENTICATED: PER_ACCOUNT_ADDRESS, RATE_LIMITED: 99 - PER_ACCOUNT_ADDRESS });
    expect(codes(right)).toEqual(['RATE_LIMITED']);
  }, 120_000);
});

describe('finding 2: attackers cannot lock the owner out', () => {
  it('failures from one address block that address only; the owner signs in from another address meanwhile', async () => {
    const email = await victim();
    const ip = addresses();
    for (let i = 0; i < PER_ACCOUNT_ADDRESS; i++)
      expect(codes(await login(i % 2 ? a : b, email, 'wrong guess', ip(0)))).toEqual(['UNAUTHENTICATED']);
    // The attacker's address is blocked even with the right password...
    expect(codes(await login(a, email, PASSWORD, ip(0)))).toEqual(['RATE_LIMITED']);
    // ...the owner, elsewhere, is not: on either instance.
    expect((await login(a, email, PASSWORD, ip(1))).errors).toBeUndefined();
    expect((await login(b, email, PASSWORD, ip(2))).errors).toBeUndefined();
  });

  it('an address is blocked after LOGIN_FAILURES_PER_ADDRESS failures across accounts, far above the per-account-and-address threshold', async () => {
    const owner = await victim();
    const ip = addresses();
    // One office NAT: many people mistyping passwords of different accounts.
    for (let i = 0; i < PER_ADDRESS; i++) {
      expect(codes(await login(i % 2 ? a : b, `someone${i}@example.com`, 'mistyped', ip(0)))).toEqual([
        'UNAUTHENTICATED',
      ]);
    }
    expect(codes(await login(a, owner, PASSWORD, ip(0)))).toEqual(['RATE_LIMITED']);
    expect((await login(a, owner, PASSWORD, ip(1))).errors).toBeUndefined();
  });

  it('the per-account ceiling stops guessing spread over many addresses, but not the owner at an address they signed in from', async () => {
    const email = await victim();
    const ip = addresses();
    const home = ip(0);
    expect((await login(a, email, PASSWORD, home)).errors).toBeUndefined();
    // One guess per address, never reaching any address's own threshold.
    for (let i = 1; i <= PER_ACCOUNT; i++)
      expect(codes(await login(i % 2 ? a : b, email, 'wrong guess', ip(i)))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await login(a, email, PASSWORD, ip(100)))).toEqual(['RATE_LIMITED']);
    expect((await login(b, email, PASSWORD, home)).errors).toBeUndefined();
  });

  it('a successful sign-in clears the failures of its account at its address', async () => {
    const email = await victim();
    const ip = addresses();
    for (let i = 0; i < PER_ACCOUNT_ADDRESS - 1; i++)
      expect(codes(await login(a, email, 'typo', ip(0)))).toEqual(['UNAUTHENTICATED']);
    expect((await login(b, email, PASSWORD, ip(0))).errors).toBeUndefined();
    for (let i = 0; i < PER_ACCOUNT_ADDRESS - 1; i++)
      expect(codes(await login(a, email, 'typo', ip(0)))).toEqual(['UNAUTHENTICATED']);
    expect((await login(a, email, PASSWORD, ip(0))).errors).toBeUndefined();
  });
});
