// Group commit (src/infra/coalesce.ts): calls of one turn share a batch, calls made while a
// batch runs share the next, answers go back in order, a failure fails its own batch only.
import { coalesced } from '../src/infra/coalesce.js';

it('batches the calls of one turn, then those made while a batch runs; a failure rejects its batch only', async () => {
  const batches: number[][] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const double = coalesced(async (items: number[]) => {
    batches.push(items);
    if (batches.length === 1) await held;
    if (items.includes(13)) throw new Error('thirteen');
    return items.map((n) => n * 2);
  }, 3);

  const first = [1, 2].map(double);
  await new Promise((r) => setImmediate(r));
  expect(batches).toEqual([[1, 2]]);
  // Made while the first batch runs: they wait for it, and go at most 3 at a time.
  const later = [3, 4, 5].map(double);
  const unlucky = Promise.allSettled([13, 7].map(double));
  release();
  expect(await Promise.all(first)).toEqual([2, 4]);
  expect(await Promise.all(later)).toEqual([6, 8, 10]);
  expect((await unlucky).map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual([
    'thirteen',
    'thirteen',
  ]);
  expect(batches).toEqual([
    [1, 2],
    [3, 4, 5],
    [13, 7],
  ]);
  // Idle again: the next call starts a batch of its own.
  expect(await double(8)).toBe(16);
  expect(batches.at(-1)).toEqual([8]);
});
