import {
  INTERVIEW_ACTIONS,
  INTERVIEW_STATUSES,
  autoEndAt,
  noShowDeadline,
  otherRole,
  transition,
  type InterviewAction,
  type InterviewStatus,
  type TransitionResult,
} from '../src/domain/interview-state.js';

const moves = (next: InterviewStatus, changed = true): TransitionResult => ({ ok: true, next, changed });
const refused = (reason: string): TransitionResult => ({ ok: false, reason });

const ENDED = refused('The interview has already ended.');
const CANCELLED = refused('The interview was cancelled.');

// Every (status, action) cell, so that a new status or action shows up here as a missing row.
const TABLE: Array<[InterviewStatus, InterviewAction, TransitionResult]> = [
  ['SCHEDULED', 'start', moves('IN_PROGRESS')],
  ['SCHEDULED', 'end', refused('The interview has not started yet.')],
  ['SCHEDULED', 'cancel', moves('CANCELLED')],
  ['SCHEDULED', 'swapRoles', moves('SCHEDULED')],
  // The second participant showing up: nothing to store, nothing to announce.
  ['IN_PROGRESS', 'start', moves('IN_PROGRESS', false)],
  ['IN_PROGRESS', 'end', moves('COMPLETED')],
  ['IN_PROGRESS', 'cancel', refused('The interview has already started; end it instead.')],
  ['IN_PROGRESS', 'swapRoles', moves('IN_PROGRESS')],
  ['COMPLETED', 'start', ENDED],
  ['COMPLETED', 'end', ENDED],
  ['COMPLETED', 'cancel', ENDED],
  ['COMPLETED', 'swapRoles', ENDED],
  ['CANCELLED', 'start', CANCELLED],
  ['CANCELLED', 'end', CANCELLED],
  ['CANCELLED', 'cancel', CANCELLED],
  ['CANCELLED', 'swapRoles', CANCELLED],
];

describe('transition', () => {
  it('covers every status and action', () => {
    const cells = TABLE.map(([status, action]) => `${status} ${action}`);
    expect(new Set(cells).size).toBe(INTERVIEW_STATUSES.length * INTERVIEW_ACTIONS.length);
  });

  it.each(TABLE)('%s + %s', (status, action, expected) => {
    expect(transition(status, action)).toEqual(expected);
  });
});

describe('otherRole', () => {
  it('swaps interviewer and interviewee', () => {
    expect(otherRole('INTERVIEWER')).toBe('INTERVIEWEE');
    expect(otherRole('INTERVIEWEE')).toBe('INTERVIEWER');
  });
});

describe('noShowDeadline', () => {
  const slotStartsAt = new Date('2026-01-05T09:00:00Z');

  it('counts from the slot start when the pair was matched before it', () => {
    const matchedAt = new Date('2026-01-05T08:55:00Z');
    expect(noShowDeadline({ slotStartsAt, matchedAt, noShowMinutes: 5 })).toEqual(new Date('2026-01-05T09:05:00Z'));
  });

  it('counts from the match when the pair was matched after the slot started', () => {
    const matchedAt = new Date('2026-01-05T09:20:30Z');
    expect(noShowDeadline({ slotStartsAt, matchedAt, noShowMinutes: 5 })).toEqual(new Date('2026-01-05T09:25:30Z'));
  });

  it('counts from either when they coincide, and allows zero minutes', () => {
    expect(noShowDeadline({ slotStartsAt, matchedAt: slotStartsAt, noShowMinutes: 0 })).toEqual(slotStartsAt);
  });

  it('refuses a negative or non-finite number of minutes', () => {
    for (const noShowMinutes of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => noShowDeadline({ slotStartsAt, matchedAt: slotStartsAt, noShowMinutes })).toThrow(RangeError);
    }
  });
});

describe('autoEndAt', () => {
  it('is the slot end plus the grace period', () => {
    const slotEndsAt = new Date('2026-01-05T10:00:00Z');
    expect(autoEndAt({ slotEndsAt, graceMinutes: 15 })).toEqual(new Date('2026-01-05T10:15:00Z'));
    expect(autoEndAt({ slotEndsAt, graceMinutes: 0 })).toEqual(slotEndsAt);
  });

  it('refuses a negative grace period', () => {
    expect(() => autoEndAt({ slotEndsAt: new Date(), graceMinutes: -15 })).toThrow(/Invalid number of minutes/);
  });

  it('does not modify the dates it is given', () => {
    const slotEndsAt = new Date('2026-01-05T10:00:00Z');
    autoEndAt({ slotEndsAt, graceMinutes: 15 });
    expect(slotEndsAt.toISOString()).toBe('2026-01-05T10:00:00.000Z');
  });
});
