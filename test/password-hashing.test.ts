// Anonymous CPU exhaustion (finding 4): bogus reset tokens cost no argon2 hash, resetPassword and
// register are limited per address, and one instance runs a bounded number of hashes at once.
import { createPasswordHasher } from '../src/infra/password-hasher.js';
import { AppError } from '../src/domain/errors.js';
import { graphql } from './generated/gql.js';
import { codes, gql, ok } from './support/client.js';
import { startTestStack } from './support/server.js';

const PhRegister = graphql(`
  mutation PhRegister($input: RegisterInput!) {
    register(input: $input) {
      user {
        id
      }
    }
  }
`);
const PhLogin = graphql(`
  mutation PhLogin($input: LoginInput!) {
    login(input: $input) {
      user {
        id
      }
    }
  }
`);
const PhReset = graphql(`
  mutation PhReset($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) {
      user {
        id
      }
    }
  }
`);

const RESETS_PER_ADDRESS = 5;
const REGISTRATIONS_PER_ADDRESS = 3;

let stack: Awaited<ReturnType<typeof startTestStack>>;
beforeAll(async () => {
  stack = await startTestStack({
    PASSWORD_RESETS_PER_ADDRESS: String(RESETS_PER_ADDRESS),
    REGISTRATIONS_PER_ADDRESS: String(REGISTRATIONS_PER_ADDRESS),
    ARGON2_CONCURRENCY: '1',
    ARGON2_QUEUE: '0',
  });
});
afterAll(() => stack.close());

let n = 0;
const freshEmail = () => `hash${++n}-${Date.now()}@example.com`;
const registerFrom = (ip: string, email = freshEmail()) =>
  gql(stack.url, PhRegister, { input: { email, password: 'password123', name: 'H' } }, { ip });

async function hashesRun(kind: 'hash' | 'verify') {
  const text = await (await fetch(`${stack.app.url()}/metrics`)).text();
  return Number(new RegExp(`^mockmate_password_hashes_total\\{kind="${kind}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

it('finding 4: resetPassword checks the token before hashing, so bogus tokens run no argon2 hash', async () => {
  const before = await hashesRun('hash');
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      gql(stack.url, PhReset, { token: `bogus-${i}`, newPassword: 'a long new password' }, { ip: `10.40.0.${i}` }),
    ),
  );
  expect(results.flatMap(codes)).toEqual(Array(20).fill('BAD_USER_INPUT'));
  expect(await hashesRun('hash')).toBe(before);
});

it('resetPassword is limited per address', async () => {
  for (let i = 0; i < RESETS_PER_ADDRESS; i++) {
    expect(
      codes(await gql(stack.url, PhReset, { token: 'bogus', newPassword: 'a long new password' }, { ip: '10.41.0.1' })),
    ).toEqual(['BAD_USER_INPUT']);
  }
  const limited = await gql(
    stack.url,
    PhReset,
    { token: 'bogus', newPassword: 'a long new password' },
    { ip: '10.41.0.1' },
  );
  expect(codes(limited)).toEqual(['RATE_LIMITED']);
  expect(limited.errors![0]!.extensions!['retryAfterSeconds']).toBeGreaterThan(0);
  expect(
    codes(await gql(stack.url, PhReset, { token: 'bogus', newPassword: 'a long new password' }, { ip: '10.41.0.2' })),
  ).toEqual(['BAD_USER_INPUT']);
});

it('register is limited per address', async () => {
  for (let i = 0; i < REGISTRATIONS_PER_ADDRESS; i++) expect((await registerFrom('10.42.0.1')).errors).toBeUndefined();
  const email = freshEmail();
  expect(codes(await registerFrom('10.42.0.1', email))).toEqual(['RATE_LIMITED']);
  expect(await stack.db.query('SELECT 1 FROM "User" WHERE email = $1', [email])).toHaveLength(0);
  expect((await registerFrom('10.42.0.2', email)).errors).toBeUndefined();
});

it('beyond ARGON2_CONCURRENCY running and ARGON2_QUEUE waiting, a sign-in is RATE_LIMITED at once instead of slowing the instance', async () => {
  const email = freshEmail();
  expect((await registerFrom('10.43.0.1', email)).errors).toBeUndefined();
  // One hash at a time and none waiting: parallel sign-ins overlap, and the overlapping ones are refused.
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      gql(stack.url, PhLogin, { input: { email, password: 'password123' } }, { ip: `10.43.1.${i}` }),
    ),
  );
  const outcomes = results.map((r) => codes(r)[0] ?? 'OK');
  expect(outcomes).toContain('OK');
  expect(outcomes).toContain('RATE_LIMITED');
  expect(new Set(outcomes)).toEqual(new Set(['OK', 'RATE_LIMITED']));
  const busy = results.find((r) => codes(r)[0] === 'RATE_LIMITED')!;
  expect(busy.errors![0]!.message).toMatch(/busy/);
  // A refused sign-in was not a failed guess: it costs the account nothing.
  await ok(stack.url, PhLogin, { input: { email, password: 'password123' } }, { ip: '10.43.1.0' });
});

it('the hasher takes `concurrency` running plus `queue` waiting hashes, and refuses the rest at once', async () => {
  const started: number[] = [];
  const hasher = createPasswordHasher({ concurrency: 2, queue: 1, onRun: () => started.push(started.length) });
  const outcomes = await Promise.all(
    Array.from({ length: 5 }, () => hasher.hash('password123').catch((err: unknown) => err)),
  );
  for (const hash of outcomes.slice(0, 3)) expect(hash).toMatch(/^\$argon2id\$/);
  for (const refused of outcomes.slice(3)) {
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('RATE_LIMITED');
  }
  expect(started).toHaveLength(3);
});
