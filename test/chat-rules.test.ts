import {
  MESSAGE_BODY_MAX,
  TypingTimers,
  canWrite,
  checkBody,
  comparePositions,
  receiptMoves,
  type TimerApi,
} from '../src/domain/chat.js';

describe('checkBody', () => {
  it('trims, and keeps the text otherwise exactly as sent', () => {
    expect(checkBody('  <b>hi</b> &amp; "x"\n\tline 2 \n')).toEqual({
      ok: true,
      body: '<b>hi</b> &amp; "x"\n\tline 2',
    });
  });

  it.each(['', ' ', '\n\t  \r\n', '\u00a0\u2003'])('refuses %j: empty after trimming', (raw) => {
    expect(checkBody(raw)).toEqual({ ok: false, reason: 'must not be empty.' });
  });

  it('takes exactly 4000 characters and refuses 4001, counted after trimming', () => {
    expect(checkBody('x'.repeat(MESSAGE_BODY_MAX))).toEqual({ ok: true, body: 'x'.repeat(4000) });
    expect(checkBody(`  ${'x'.repeat(MESSAGE_BODY_MAX)}  `)).toEqual({ ok: true, body: 'x'.repeat(4000) });
    expect(checkBody('x'.repeat(MESSAGE_BODY_MAX + 1))).toEqual({
      ok: false,
      reason: 'must be at most 4000 characters.',
    });
    expect(checkBody('x'.repeat(1_000_000)).ok).toBe(false);
  });

  it('counts characters, not UTF-16 units: 4000 emoji fit, 4001 do not', () => {
    expect(checkBody('😀'.repeat(4000))).toEqual({ ok: true, body: '😀'.repeat(4000) });
    expect(checkBody('😀'.repeat(4001)).ok).toBe(false);
  });

  it('refuses NUL, which PostgreSQL text cannot hold', () => {
    expect(checkBody('a\u0000b')).toEqual({ ok: false, reason: 'must not contain NUL characters.' });
  });
});

describe('canWrite', () => {
  it('is open before, during and after the session, read-only once cancelled', () => {
    for (const s of ['SCHEDULED', 'IN_PROGRESS', 'COMPLETED'] as const) expect(canWrite(s)).toEqual({ ok: true });
    expect(canWrite('CANCELLED')).toEqual({ ok: false, reason: expect.stringMatching(/cancelled.*read-only/) });
  });
});

describe('message order and read receipts', () => {
  const at = (ms: number, id: string) => ({ createdAt: new Date(ms), id });
  const A = '0000000a-0000-4000-8000-000000000000';
  const B = '0000000b-0000-4000-8000-000000000000';

  it('orders by time, then by id as PostgreSQL orders uuids', () => {
    expect(comparePositions(at(1, B), at(2, A))).toBeLessThan(0);
    expect(comparePositions(at(2, A), at(2, B))).toBeLessThan(0);
    expect(comparePositions(at(2, B.toUpperCase()), at(2, A))).toBeGreaterThan(0);
    expect(comparePositions(at(2, A), at(2, A))).toBe(0);
  });

  it('a receipt only moves forward', () => {
    expect(receiptMoves(null, at(1, A))).toBe(true);
    expect(receiptMoves(at(1, A), at(2, A))).toBe(true);
    expect(receiptMoves(at(2, A), at(2, B))).toBe(true);
    expect(receiptMoves(at(2, A), at(2, A))).toBe(false);
    expect(receiptMoves(at(2, B), at(2, A))).toBe(false);
    expect(receiptMoves(at(2, A), at(1, B))).toBe(false);
  });
});

describe('TypingTimers', () => {
  /** A hand-driven clock: timers fire only when the test advances it. */
  function fakeClock() {
    let now = 0;
    let nextId = 0;
    const pending = new Map<number, { at: number; fn: () => void }>();
    const api: TimerApi = {
      set: (fn, ms) => {
        pending.set(++nextId, { at: now + ms, fn });
        return nextId;
      },
      clear: (h) => void pending.delete(h as number),
    };
    const advance = (ms: number) => {
      now += ms;
      for (const [id, t] of [...pending].sort((x, y) => x[1].at - y[1].at)) {
        if (t.at <= now && pending.delete(id)) t.fn();
      }
    };
    return { api, advance, pending: () => pending.size };
  }

  it('fires once, timeout after the last start; repeated starts refresh it', () => {
    const clock = fakeClock();
    const expired: string[] = [];
    const timers = new TypingTimers(5000, (k) => expired.push(k), clock.api);
    expect(timers.start('i:u')).toBe(true);
    clock.advance(4000);
    expect(timers.start('i:u')).toBe(false);
    clock.advance(4000);
    expect(expired).toEqual([]);
    clock.advance(1000);
    expect(expired).toEqual(['i:u']);
    expect(timers.has('i:u')).toBe(false);
    clock.advance(60_000);
    expect(expired).toEqual(['i:u']);
    expect(clock.pending()).toBe(0);
  });

  it('stop clears without firing and says whether one was running; keys are independent', () => {
    const clock = fakeClock();
    const expired: string[] = [];
    const timers = new TypingTimers(5000, (k) => expired.push(k), clock.api);
    timers.start('a');
    timers.start('b');
    expect(timers.stop('a')).toBe(true);
    expect(timers.stop('a')).toBe(false);
    clock.advance(5000);
    expect(expired).toEqual(['b']);
    expect(timers.start('a')).toBe(true);
    timers.clear();
    clock.advance(5000);
    expect(expired).toEqual(['b']);
    expect(timers.size).toBe(0);
  });
});
