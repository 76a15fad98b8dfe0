// The presence registry's atomic steps that let a user's later sockets skip the
// presence transaction: add only behind a live member and under the cap,
// remove only while another live member stays. Real Redis, a prefix per run.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createPresence, type Presence } from '../src/infra/presence.js';
import { REDIS_URL } from './support/db.js';

const redis = new Redis(REDIS_URL);
afterAll(() => redis.quit());

describe.each([
  ['Redis', () => createPresence(redis, { prefix: `presence-test:${randomUUID()}:`, ttlMs: 60_000 })],
  ['in memory', () => createPresence(null)],
])('presence registry (%s)', (_name, make: () => Presence) => {
  let presence: Presence;
  beforeEach(() => (presence = make()));
  afterEach(() => presence.close());

  it('adds behind a live member only, and never past the cap', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((m) => presence.member(m)) as [string, string, string];
    expect(await presence.addIfLive('user:1', a, 2)).toBe('none');
    expect(await presence.count('user:1')).toBe(0);
    expect(await presence.add('user:1', a)).toBe(1);
    expect(await presence.addIfLive('user:1', b, 2)).toBe(2);
    expect(await presence.addIfLive('user:1', c, 2)).toBe('full');
    // A member already in counts as itself, not as one more.
    expect(await presence.addIfLive('user:1', b, 2)).toBe(2);
    expect(await presence.count('user:1')).toBe(2);
  });

  it('removes only while another live member stays', async () => {
    const [a, b] = ['a', 'b'].map((m) => presence.member(m)) as [string, string];
    await presence.add('user:2', a);
    await presence.add('user:2', b);
    expect(await presence.removeIfOthers('user:2', a)).toBe(true);
    expect(await presence.count('user:2')).toBe(1);
    // The last one is the caller's to announce: left in place.
    expect(await presence.removeIfOthers('user:2', b)).toBe(false);
    expect(await presence.count('user:2')).toBe(1);
    expect(await presence.remove('user:2', b)).toBe(0);
  });

  it('of concurrent adds, exactly one sees the first member', async () => {
    const counts = await Promise.all(
      Array.from({ length: 8 }, (_, i) => presence.add('user:3', presence.member(`s${i}`))),
    );
    expect(counts.filter((n) => n === 1)).toHaveLength(1);
    expect([...counts].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('adds many in one step, each counted as if added one after another', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((m) => presence.member(m)) as [string, string, string];
    await presence.add('user:5', a);
    const counts = await presence.addAll([
      ['user:4', a],
      ['user:5', b],
      ['user:4', b],
      ['user:4', c],
      ['user:4', a],
    ]);
    expect(counts).toEqual([1, 2, 2, 3, 3]);
    expect(await presence.counts(['user:4', 'user:5'])).toEqual([3, 2]);
  });
});
