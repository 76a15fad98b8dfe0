// The matching rule of the contract (docs/api.md) as a pure function over one slot's waiting room:
// who is paired with whom, and who keeps waiting. Loading the WAITING bookings
// and storing the interviews atomically is the caller's business.
import type { ParticipantRole } from './interview-state.js';

export const DIFFICULTY_ORDER = ['EASY', 'MEDIUM', 'HARD'] as const;
export type Difficulty = (typeof DIFFICULTY_ORDER)[number];

const RANK = new Map<string, number>(DIFFICULTY_ORDER.map((d, i) => [d, i]));

/** EASY = 0 < MEDIUM = 1 < HARD = 2. Throws on anything else, which can only be a bug upstream. */
export function difficultyRank(difficulty: Difficulty): number {
  const rank = RANK.get(difficulty);
  if (rank === undefined) throw new RangeError(`Unknown difficulty: ${String(difficulty)}`);
  return rank;
}

export interface WaitingEntry {
  /** Unique within the room (the booking id); breaks ties between equal join times. */
  readonly id: string;
  readonly difficulty: Difficulty;
  /** When the user joined the waiting room, as a Date or whole epoch milliseconds. */
  readonly joinedAt: Date | number;
}

export interface MatchResult<T> {
  /** In walk order; within a pair the first one comes earlier in walk order. */
  pairs: Array<[T, T]>;
  /** The last user of an odd room, who keeps waiting for the next run. */
  unmatched: T | null;
}

/**
 * The contract's rule: order by difficulty, earliest join first within a difficulty;
 * walk the levels from EASY to HARD pairing neighbours; an odd user left over
 * at one level is carried to the front of the next level.
 *
 * The carried user is exactly the last one of its level in a single list
 * ordered by (difficulty, joinedAt, id), so the rule is the same as pairing
 * consecutive entries of that list. test/matching.test.ts checks this against
 * a literal level-by-level implementation.
 */
export function matchWaitingRoom<T extends WaitingEntry>(entries: readonly T[]): MatchResult<T> {
  const order = walkOrder(entries);
  const at = (i: number) => entries[order[i]!]!;
  const pairs = new Array<[T, T]>(order.length >> 1);
  for (let p = 0; p < pairs.length; p++) pairs[p] = [at(2 * p), at(2 * p + 1)];
  return { pairs, unmatched: order.length % 2 === 1 ? at(order.length - 1) : null };
}

export interface PairedParticipant<T> {
  entry: T;
  role: ParticipantRole;
  /** Each participant keeps the difficulty they booked, even when carried to a harder level. */
  difficulty: Difficulty;
}

/**
 * The first of a pair (earlier in walk order: the easier booking, or the
 * earlier join) starts as INTERVIEWER and the second as INTERVIEWEE. Any fixed
 * choice would do; this one is deterministic, and `swapRoles` lets the pair
 * trade whenever they like.
 */
export function assignRoles<T extends WaitingEntry>([first, second]: readonly [T, T]): [
  PairedParticipant<T>,
  PairedParticipant<T>,
] {
  return [
    { entry: first, role: 'INTERVIEWER', difficulty: first.difficulty },
    { entry: second, role: 'INTERVIEWEE', difficulty: second.difficulty },
  ];
}

// Sorting. A comparator sort of a million entries takes most of a second, so
// the walk order comes from a radix sort on numeric keys, and whole ids are
// compared only among entries that joined in the same millisecond.

const TWO_21 = 2 ** 21;
const TWO_22 = 2 ** 22;
const TWO_32 = 2 ** 32;
/** Below this, runs of equal keys are sorted by comparing ids directly. */
const SMALL_RUN = 32;

interface Ids {
  text: string[];
  /** The first two code units of each id, which settle most comparisons without touching the strings. */
  head: Uint32Array;
}

/** Indices of `entries` in (difficulty, joinedAt, id) order. */
function walkOrder(entries: readonly WaitingEntry[]): Uint32Array {
  const n = entries.length;
  const index = new Uint32Array(n);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const entry = entries[i]!;
    const t = typeof entry.joinedAt === 'number' ? entry.joinedAt : entry.joinedAt.getTime();
    // Whole milliseconds, as every Date holds, keep the split below exact.
    if (!Number.isSafeInteger(t)) throw new RangeError(`Waiting entry ${entry.id} has an invalid joinedAt.`);
    // |t| < 2^53, so the high part lies in [-2^21, 2^21]: shifted, it fits below the rank in 24 bits.
    const high = Math.floor(t / TWO_32);
    index[i] = i;
    hi[i] = difficultyRank(entry.difficulty) * TWO_22 + high + TWO_21;
    lo[i] = t - high * TWO_32;
  }
  const [order, ...keys] = radixSort([index, hi, lo]);
  const runs = runsOf(keys);
  if (runs.length === 0) return order!;

  // Only entries that share a millisecond need their ids. Reading them in input
  // order, usually memory order, also flattens ids built by concatenation
  // (crypto.randomUUID makes such rope strings), which V8 otherwise compares
  // many times slower, on every comparison.
  const tied = new Uint8Array(n);
  for (let r = 0; r < runs.length; r += 2) for (let p = runs[r]!; p < runs[r + 1]!; p++) tied[order![p]!] = 1;
  const ids: Ids = { text: new Array<string>(n), head: new Uint32Array(n) };
  for (let i = 0; i < n; i++) {
    if (tied[i] === 0) continue;
    const id = entries[i]!.id;
    ids.text[i] = id;
    ids.head[i] = twoCodeUnits(id, 0);
  }
  for (let r = 0; r < runs.length; r += 2) sortRunById(order!, runs[r]!, runs[r + 1]!, ids);
  return order!;
}

/**
 * Stable LSD radix sort, one byte per pass, of the rows of `columns`: the
 * first column is carried along, the others are the key, most significant
 * first. Every column moves with the key so that each pass reads
 * sequentially; a byte that is the same in every row costs no move, which
 * skips most of the high bytes of join times in one room. Returns the sorted
 * columns, which may be the arrays given; those are overwritten either way.
 */
function radixSort(columns: Uint32Array[]): Uint32Array[] {
  const n = columns[0]!.length;
  let cols = columns;
  let spare: Uint32Array[] = columns.map(() => new Uint32Array(n));
  const dest = new Uint32Array(n);
  const count = new Uint32Array(256);
  for (let k = cols.length - 1; k >= 1; k--) {
    for (let shift = 0; shift < 32; shift += 8) {
      const key = cols[k]!;
      count.fill(0);
      for (let i = 0; i < n; i++) {
        const digit = (key[i]! >>> shift) & 0xff;
        count[digit] = count[digit]! + 1;
      }
      if (n === 0 || count[(key[0]! >>> shift) & 0xff] === n) continue;
      let start = 0;
      for (let d = 0; d < 256; d++) {
        const c = count[d]!;
        count[d] = start;
        start += c;
      }
      for (let i = 0; i < n; i++) {
        const digit = (key[i]! >>> shift) & 0xff;
        const at = count[digit]!;
        count[digit] = at + 1;
        dest[i] = at;
      }
      for (let c = 0; c < cols.length; c++) {
        const from = cols[c]!;
        const to = spare[c]!;
        for (let i = 0; i < n; i++) to[dest[i]!] = from[i]!;
      }
      [cols, spare] = [spare, cols];
    }
  }
  return cols;
}

/** Every stretch of two or more rows equal in all of `keys` (sorted columns), as [from, to, from, to, …]. */
function runsOf(keys: Uint32Array[]): number[] {
  const n = keys[0]?.length ?? 0;
  // One tight loop per column rather than a loop over columns per row.
  const startsRun = new Uint8Array(n + 1);
  startsRun[0] = startsRun[n] = 1;
  for (const key of keys) for (let i = 1; i < n; i++) if (key[i] !== key[i - 1]) startsRun[i] = 1;
  const runs: number[] = [];
  let from = 0;
  for (let i = 1; i <= n; i++) {
    if (startsRun[i] === 0) continue;
    if (i - from > 1) runs.push(from, i);
    from = i;
  }
  return runs;
}

// Many entries in the same millisecond happen with bulk inserts and tests.
// Big runs are radix sorted two UTF-16 code units at a time, descending into
// the entries that share them, so that only short runs compare whole ids.
function sortRunById(order: Uint32Array, from: number, to: number, ids: Ids, depth = 0) {
  const run = order.subarray(from, to);
  if (run.length < SMALL_RUN) return insertionSortById(run, ids);
  const units = new Uint32Array(run.length);
  // Past depth 0 the run shares its first `depth` code units: when no id is
  // longer, what is left differs at most by trailing NULs, which only a full comparison orders.
  let exhausted = depth > 0;
  for (let i = 0; i < run.length; i++) {
    const row = run[i]!;
    if (depth === 0) {
      units[i] = ids.head[row]!;
    } else {
      const id = ids.text[row]!;
      units[i] = twoCodeUnits(id, depth);
      if (id.length > depth) exhausted = false;
    }
  }
  if (exhausted) return void run.sort((a, b) => compareIds(ids.text[a]!, ids.text[b]!));
  const [sorted, key] = radixSort([run, units]);
  run.set(sorted!);
  const runs = runsOf([key!]);
  for (let r = 0; r < runs.length; r += 2) sortRunById(run, runs[r]!, runs[r + 1]!, ids, depth + 2);
}

// A missing code unit counts as 0, so an id never sorts after a longer one it is a prefix of.
const twoCodeUnits = (s: string, i: number) =>
  (i < s.length ? s.charCodeAt(i) * 0x10000 : 0) + (i + 1 < s.length ? s.charCodeAt(i + 1) : 0);

// Insertion sort: avoids a callback per comparison on the many tiny runs.
function insertionSortById(run: Uint32Array, ids: Ids) {
  for (let i = 1; i < run.length; i++) {
    const moving = run[i]!;
    let j = i;
    while (j > 0 && compareRows(run[j - 1]!, moving, ids) > 0) {
      run[j] = run[j - 1]!;
      j--;
    }
    run[j] = moving;
  }
}

const compareRows = (a: number, b: number, ids: Ids) =>
  ids.head[a]! - ids.head[b]! || compareIds(ids.text[a]!, ids.text[b]!);

// Code-unit order: the same on every machine, unlike localeCompare.
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
