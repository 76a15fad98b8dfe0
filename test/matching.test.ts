import fc from 'fast-check';
import {
  DIFFICULTY_ORDER,
  assignRoles,
  difficultyRank,
  matchWaitingRoom,
  type Difficulty,
  type WaitingEntry,
} from '../src/domain/matching.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0);
const entry = (id: string, difficulty: Difficulty, joinedAt: Date | number = T0): WaitingEntry => ({
  id,
  difficulty,
  joinedAt,
});
/** Entries joined one second apart, in the order given. */
const joinedInOrder = (...specs: Array<[string, Difficulty]>) =>
  specs.map(([id, difficulty], i) => entry(id, difficulty, new Date(T0 + i * 1000)));
const ids = (result: ReturnType<typeof matchWaitingRoom<WaitingEntry>>) => ({
  pairs: result.pairs.map(([a, b]) => [a.id, b.id]),
  unmatched: result.unmatched?.id ?? null,
});

const time = (e: WaitingEntry) => (typeof e.joinedAt === 'number' ? e.joinedAt : e.joinedAt.getTime());
const byJoinThenId = (a: WaitingEntry, b: WaitingEntry) =>
  time(a) - time(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
/** The walk order by a plain comparator sort, independent of the module's radix sort. */
const walkOrder = <T extends WaitingEntry>(entries: readonly T[]) =>
  [...entries].sort(
    (a, b) => DIFFICULTY_ORDER.indexOf(a.difficulty) - DIFFICULTY_ORDER.indexOf(b.difficulty) || byJoinThenId(a, b),
  );

/**
 * The contract's wording (docs/api.md), literally: one queue per level in join order; walk the
 * levels from EASY to HARD pairing neighbours; an odd user left over is carried
 * to the front of the next level; the last odd user keeps waiting.
 */
function referenceMatch<T extends WaitingEntry>(entries: readonly T[]) {
  const pairs: Array<[T, T]> = [];
  let carried: T | null = null;
  for (const level of DIFFICULTY_ORDER) {
    const queue = entries.filter((e) => e.difficulty === level).sort(byJoinThenId);
    if (carried) queue.unshift(carried);
    while (queue.length >= 2) pairs.push([queue.shift()!, queue.shift()!]);
    carried = queue.shift() ?? null;
  }
  return { pairs, unmatched: carried };
}

describe('matchWaitingRoom', () => {
  it('pairs the example of docs/api.md: {E1, E2}, {M1, H1}, and H2 keeps waiting', () => {
    const room = joinedInOrder(['E1', 'EASY'], ['E2', 'EASY'], ['M1', 'MEDIUM'], ['H1', 'HARD'], ['H2', 'HARD']);
    expect(ids(matchWaitingRoom(room))).toEqual({
      pairs: [
        ['E1', 'E2'],
        ['M1', 'H1'],
      ],
      unmatched: 'H2',
    });
  });

  it('returns nothing for an empty room', () => {
    expect(matchWaitingRoom([])).toEqual({ pairs: [], unmatched: null });
  });

  it('leaves a lone user waiting', () => {
    const alone = entry('A', 'MEDIUM');
    expect(matchWaitingRoom([alone])).toEqual({ pairs: [], unmatched: alone });
  });

  it('pairs everyone at a single level in join order when they are even', () => {
    const room = joinedInOrder(['M1', 'MEDIUM'], ['M2', 'MEDIUM'], ['M3', 'MEDIUM'], ['M4', 'MEDIUM']);
    expect(ids(matchWaitingRoom(room))).toEqual({
      pairs: [
        ['M1', 'M2'],
        ['M3', 'M4'],
      ],
      unmatched: null,
    });
  });

  it('leaves the latest joiner waiting at a single odd level', () => {
    const room = joinedInOrder(['H1', 'HARD'], ['H2', 'HARD'], ['H3', 'HARD']);
    expect(ids(matchWaitingRoom(room))).toEqual({ pairs: [['H1', 'H2']], unmatched: 'H3' });
  });

  it('carries an odd user across an empty level', () => {
    const room = joinedInOrder(['H1', 'HARD'], ['E1', 'EASY']);
    expect(ids(matchWaitingRoom(room))).toEqual({ pairs: [['E1', 'H1']], unmatched: null });
  });

  it('carries along a chain of odd levels', () => {
    const room = joinedInOrder(['E1', 'EASY'], ['M1', 'MEDIUM'], ['M2', 'MEDIUM'], ['H1', 'HARD']);
    expect(ids(matchWaitingRoom(room))).toEqual({
      pairs: [
        ['E1', 'M1'],
        ['M2', 'H1'],
      ],
      unmatched: null,
    });
  });

  it('orders by join time within a level whatever the input order', () => {
    const [m1, m2, m3, e1] = joinedInOrder(['M1', 'MEDIUM'], ['M2', 'MEDIUM'], ['M3', 'MEDIUM'], ['E1', 'EASY']);
    for (const room of [
      [m3!, m1!, e1!, m2!],
      [m2!, e1!, m3!, m1!],
      [e1!, m3!, m2!, m1!],
    ]) {
      expect(ids(matchWaitingRoom(room))).toEqual({
        pairs: [
          ['E1', 'M1'],
          ['M2', 'M3'],
        ],
        unmatched: null,
      });
    }
  });

  it('breaks ties between equal join times by id, and mixes Dates with epoch milliseconds', () => {
    const room = [
      entry('b', 'EASY', T0),
      entry('c', 'EASY', new Date(T0)),
      entry('a', 'EASY', T0),
      entry('z', 'EASY', T0 - 1),
    ];
    expect(ids(matchWaitingRoom(room))).toEqual({
      pairs: [
        ['z', 'a'],
        ['b', 'c'],
      ],
      unmatched: null,
    });
  });

  it('orders times before 1970 and at the edges of the safe range', () => {
    const room = [
      entry('max', 'EASY', Number.MAX_SAFE_INTEGER),
      entry('zero', 'EASY', 0),
      entry('min', 'EASY', -Number.MAX_SAFE_INTEGER),
      entry('before-epoch', 'EASY', new Date(-1)),
    ];
    expect(ids(matchWaitingRoom(room))).toEqual({
      pairs: [
        ['min', 'before-epoch'],
        ['zero', 'max'],
      ],
      unmatched: null,
    });
  });

  it('returns the entries given, extra fields included, and leaves the input alone', () => {
    const room = [
      { id: 'b', difficulty: 'EASY' as const, joinedAt: 2, userId: 'user-b' },
      { id: 'a', difficulty: 'EASY' as const, joinedAt: 1, userId: 'user-a' },
    ];
    const copy = [...room];
    const { pairs } = matchWaitingRoom(room);
    expect(pairs[0]![0]).toBe(room[1]);
    expect(pairs[0]![1].userId).toBe('user-b');
    expect(room).toEqual(copy);
  });

  it('refuses entries it cannot order', () => {
    expect(() => matchWaitingRoom([entry('a', 'EASY', new Date(Number.NaN))])).toThrow(RangeError);
    expect(() => matchWaitingRoom([entry('a', 'EASY', 1.5)])).toThrow(/a has an invalid joinedAt/);
    expect(() => matchWaitingRoom([entry('a', 'EXTREME' as Difficulty)])).toThrow(/Unknown difficulty/);
  });

  it('orders many entries that joined in the same millisecond by id', () => {
    // Large runs take the radix path over code units: shared prefixes, ids that
    // are prefixes of others, and ids that differ only by trailing NULs.
    const room: WaitingEntry[] = [];
    for (let i = 0; i < 3000; i++) {
      const difficulty = DIFFICULTY_ORDER[i % 3]!;
      room.push(entry(`booking-0000-${(i * 7919) % 3000}`, difficulty, T0 + (i % 2)));
      room.push(entry(`b${i.toString(36)}`, difficulty, T0 + (i % 2)));
    }
    for (let k = 0; k < 40; k++) room.push(entry(`nul${'\0'.repeat(k)}`, 'HARD', T0));
    room.push(entry('booking-0000-', 'MEDIUM', T0), entry('', 'MEDIUM', T0), entry('\u{1F600}', 'MEDIUM', T0));
    const shuffled = fc.sample(fc.shuffledSubarray(room, { minLength: room.length }), { numRuns: 1, seed: 42 })[0]!;
    const expected = walkOrder(room);
    const { pairs, unmatched } = matchWaitingRoom(shuffled);
    expect(pairs.flat()).toEqual(expected.slice(0, pairs.length * 2));
    expect(unmatched).toBe(expected.length % 2 === 1 ? expected.at(-1) : null);
  });

  describe('property: over random rooms', () => {
    const idArb = fc.oneof(
      fc.uuid(),
      // Tiny alphabets make shared prefixes, prefixes of other ids, NULs and surrogate pairs.
      fc.string({ unit: fc.constantFrom('a', 'b', '\0', 'é', '\u{1F600}'), maxLength: 6 }),
    );
    const timeArb = {
      // Everyone in the same millisecond: only ids order the room.
      same: fc.constant(T0),
      few: fc.integer({ min: T0, max: T0 + 3 }),
      minutes: fc.integer({ min: T0, max: T0 + 600_000 }),
      wide: fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    };
    const roomArb = fc.constantFrom(...(Object.keys(timeArb) as Array<keyof typeof timeArb>)).chain((spread) =>
      fc.uniqueArray(
        fc
          .record({
            id: idArb,
            difficulty: fc.constantFrom(...DIFFICULTY_ORDER),
            t: timeArb[spread],
            asDate: fc.boolean(),
          })
          .map(({ id, difficulty, t, asDate }) =>
            entry(id, difficulty, asDate && Math.abs(t) <= 8.64e15 ? new Date(t) : t),
          ),
        // size: 'max' spreads lengths over the whole range instead of favouring tiny rooms.
        { selector: (e) => e.id, maxLength: 200, size: 'max' },
      ),
    );

    it('pairs consecutive entries of the (difficulty, joinedAt, id) order, and nobody twice', () => {
      fc.assert(
        fc.property(roomArb, (room) => {
          const { pairs, unmatched } = matchWaitingRoom(room);
          const expected = walkOrder(room);
          expect(pairs).toHaveLength(Math.floor(room.length / 2));
          const everyone = [...pairs.flat(), ...(unmatched ? [unmatched] : [])];
          expect(new Set(everyone).size).toBe(room.length);
          // Ids are unique in a room, so equal ids mean the same entries.
          const expectedPairs = pairs.map((_, i) => [expected[2 * i]!.id, expected[2 * i + 1]!.id]);
          expect(pairs.map(([first, second]) => [first.id, second.id])).toEqual(expectedPairs);
          expect(unmatched).toBe(room.length % 2 === 1 ? expected.at(-1) : null);
        }),
        { numRuns: 500 },
      );
    });

    it('agrees with the level-by-level carry algorithm of docs/api.md', () => {
      fc.assert(
        fc.property(roomArb, (room) => {
          expect(matchWaitingRoom(room)).toEqual(referenceMatch(room));
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe('difficulty order', () => {
  it('ranks EASY < MEDIUM < HARD', () => {
    expect(DIFFICULTY_ORDER).toEqual(['EASY', 'MEDIUM', 'HARD']);
    expect(DIFFICULTY_ORDER.map(difficultyRank)).toEqual([0, 1, 2]);
  });
});

describe('assignRoles', () => {
  it('makes the first of a pair the interviewer, and each keeps their own difficulty', () => {
    const room = joinedInOrder(['H1', 'HARD'], ['E1', 'EASY']);
    const [pair] = matchWaitingRoom(room).pairs;
    expect(assignRoles(pair!)).toEqual([
      { entry: room[1], role: 'INTERVIEWER', difficulty: 'EASY' },
      { entry: room[0], role: 'INTERVIEWEE', difficulty: 'HARD' },
    ]);
  });
});
