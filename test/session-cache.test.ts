import { createAnnouncedCache, createVerifiedTokens, type CachedSession } from '../src/services/session-cache.js';

const alice = { userId: 'u-alice', role: 'USER' as const };

function setup(opts: { ttlMs?: number; maxEntries?: number } = {}) {
  const clock = { now: 1_000, epoch: 0 as number | null };
  const cache = createAnnouncedCache<CachedSession>({
    ttlMs: opts.ttlMs ?? 30_000,
    maxEntries: opts.maxEntries ?? 100,
    listenEpoch: () => clock.epoch,
    now: () => clock.now,
  });
  return { cache, clock };
}

it('keeps a session for the TTL, then forgets it', () => {
  const { cache, clock } = setup({ ttlMs: 30_000 });
  cache.put('s1', alice, cache.ticket());
  clock.now += 29_999;
  expect(cache.get('s1')).toMatchObject(alice);
  clock.now += 1;
  expect(cache.get('s1')).toBeNull();
});

it('a revocation drops the entry', () => {
  const { cache } = setup();
  cache.put('s1', alice, cache.ticket());
  cache.put('s2', alice, cache.ticket());
  cache.drop(['s1']);
  expect(cache.get('s1')).toBeNull();
  expect(cache.get('s2')).toMatchObject(alice);
});

it('does not store a read that started before a revocation', () => {
  const { cache } = setup();
  const ticket = cache.ticket();
  cache.drop(['s1']); // arrives while the session row is being read
  cache.put('s1', alice, ticket);
  expect(cache.get('s1')).toBeNull();
  cache.put('s1', alice, cache.ticket());
  expect(cache.get('s1')).toMatchObject(alice);
});

it('trusts nothing while announcements may be missed, nor what it stored before they could be', () => {
  const { cache, clock } = setup();
  cache.put('s1', alice, cache.ticket());
  clock.epoch = null; // subscriber connection down
  expect(cache.get('s1')).toBeNull();
  cache.put('s2', alice, cache.ticket());
  clock.epoch = 1; // back, after a gap
  expect(cache.get('s2')).toBeNull();
  const ticket = cache.ticket();
  cache.put('s3', alice, ticket);
  expect(cache.get('s3')).toMatchObject(alice);
  clock.epoch = 2;
  expect(cache.get('s3')).toBeNull();
});

it('holds at most maxEntries, dropping the oldest', () => {
  const { cache } = setup({ maxEntries: 2 });
  for (const id of ['s1', 's2', 's3']) cache.put(id, alice, cache.ticket());
  expect(cache.size()).toBe(2);
  expect(cache.get('s1')).toBeNull();
  expect(cache.get('s3')).toMatchObject(alice);
});

describe('verified tokens', () => {
  it('hit until the token expires, then miss', () => {
    const clock = { now: 10_000 };
    const tokens = createVerifiedTokens({ maxEntries: 10, now: () => clock.now });
    const claims = { sub: 'u', sid: 's', expiresAtMs: 20_000 };
    tokens.put('t1', claims);
    expect(tokens.get('t1')).toEqual(claims);
    expect(tokens.get('t1x')).toBeNull();
    clock.now = 20_000;
    expect(tokens.get('t1')).toBeNull();
  });

  it('hold at most maxEntries, dropping the oldest; putting one again does not evict another', () => {
    const tokens = createVerifiedTokens({ maxEntries: 2, now: () => 0 });
    const claims = { sub: 'u', sid: 's', expiresAtMs: 1 };
    tokens.put('t1', claims);
    tokens.put('t2', claims);
    tokens.put('t2', claims);
    expect(tokens.get('t1')).not.toBeNull();
    tokens.put('t3', claims);
    expect(tokens.get('t1')).toBeNull();
    expect(tokens.get('t2')).not.toBeNull();
  });
});
