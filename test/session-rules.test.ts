// The pure rules of the interview session: feedback validation and
// visibility, averages, the no-show outcome, and the video settings.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { AppError } from '../src/domain/errors.js';
import {
  averageRatings,
  canSeeFeedback,
  feedbackRevealAt,
  normalizeFeedback,
  visibleFeedback,
  type FeedbackInput,
} from '../src/domain/feedback.js';
import { canGiveFeedback, noShowOutcome } from '../src/domain/interview-state.js';
import { ConfigError, loadConfig } from '../src/config.js';

const A = 'user-a';
const B = 'user-b';
const C = 'user-c';
const ENDED = new Date('2026-01-05T10:00:00Z');
const hours = (h: number) => new Date(ENDED.getTime() + h * 3_600_000);

describe('normalizeFeedback', () => {
  const valid: FeedbackInput = { communication: 4, goodMatch: 5 };

  it('keeps valid ratings, leaves optional ones null, trims texts and turns blank ones into null', () => {
    expect(
      normalizeFeedback({
        ...valid,
        technical: 1,
        strengths: '  clear answers \n',
        improvements: '   ',
        wouldPass: false,
      }),
    ).toEqual({
      communication: 4,
      technical: 1,
      problemSolving: null,
      goodMatch: 5,
      wouldPass: false,
      strengths: 'clear answers',
      improvements: null,
    });
  });

  it.each([
    ['communication', 0],
    ['communication', 6],
    ['goodMatch', -1],
    ['technical', 2.5],
    ['problemSolving', 100],
  ] as const)('refuses %s = %s, naming the field', (field, value) => {
    let error: unknown;
    try {
      normalizeFeedback({ ...valid, [field]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('BAD_USER_INPUT');
    expect((error as AppError).message).toContain(`input.${field}`);
  });

  it('allows 2000 characters after trimming and refuses 2001', () => {
    expect(normalizeFeedback({ ...valid, strengths: `  ${'x'.repeat(2000)}  ` }).strengths).toHaveLength(2000);
    expect(() => normalizeFeedback({ ...valid, improvements: 'y'.repeat(2001) })).toThrow(/input\.improvements/);
  });
});

describe('canSeeFeedback', () => {
  const aAboutB = { authorId: A, subjectId: B };
  const see = (viewer: string, authors: string[], endedAt: Date | null, now: Date, admin = false) =>
    canSeeFeedback({
      viewer: { id: viewer, admin },
      feedback: aAboutB,
      authorsInInterview: authors,
      interviewEndedAt: endedAt,
      now,
    });

  it('shows feedback to its author at once, always', () => {
    expect(see(A, [A], null, hours(-1))).toBe(true);
  });

  it('hides it from its subject until they have submitted theirs', () => {
    expect(see(B, [A], ENDED, hours(1))).toBe(false);
    expect(see(B, [A, B], ENDED, hours(1))).toBe(true);
  });

  it('or until 48 hours after the end, whichever comes first', () => {
    expect(feedbackRevealAt(ENDED)).toEqual(hours(48));
    expect(see(B, [A], ENDED, new Date(hours(48).getTime() - 1))).toBe(false);
    expect(see(B, [A], ENDED, hours(48))).toBe(true);
    // Not ended yet: only submitting reveals it.
    expect(see(B, [A], null, hours(1000))).toBe(false);
  });

  it('shows all to admins and nothing to anyone else', () => {
    expect(see(C, [A], ENDED, hours(1), true)).toBe(true);
    expect(see(C, [A, B], ENDED, hours(100))).toBe(false);
  });

  it('visibleFeedback applies the rule to one interview', () => {
    const bAboutA = { authorId: B, subjectId: A };
    expect(visibleFeedback({ id: B, admin: false }, [aAboutB], ENDED, hours(1))).toEqual([]);
    expect(visibleFeedback({ id: B, admin: false }, [aAboutB, bAboutA], ENDED, hours(1))).toEqual([aAboutB, bAboutA]);
    expect(visibleFeedback({ id: A, admin: false }, [aAboutB], ENDED, hours(1))).toEqual([aAboutB]);
  });
});

describe('averageRatings', () => {
  it('averages each rating over the feedback that has it, null when none does', () => {
    expect(averageRatings([])).toEqual({
      communication: null,
      technical: null,
      problemSolving: null,
      goodMatch: null,
      count: 0,
    });
    expect(
      averageRatings([
        { communication: 4, technical: null, problemSolving: 2, goodMatch: 5 },
        { communication: 5, technical: null, problemSolving: null, goodMatch: 2 },
      ]),
    ).toEqual({ communication: 4.5, technical: null, problemSolving: 2, goodMatch: 3.5, count: 2 });
  });
});

describe('canGiveFeedback', () => {
  it('only once the interview has started', () => {
    expect(canGiveFeedback('IN_PROGRESS')).toEqual({ ok: true });
    expect(canGiveFeedback('COMPLETED')).toEqual({ ok: true });
    expect(canGiveFeedback('SCHEDULED')).toEqual({ ok: false, reason: expect.stringMatching(/started/) });
    expect(canGiveFeedback('CANCELLED')).toEqual({ ok: false, reason: 'The interview was cancelled.' });
  });
});

describe('noShowOutcome', () => {
  const slotStartsAt = new Date('2026-01-05T09:00:00Z');
  const matchedAt = new Date('2026-01-05T08:55:00Z');
  const base = { status: 'SCHEDULED' as const, slotStartsAt, matchedAt, noShowMinutes: 5 };
  const deadline = new Date('2026-01-05T09:05:00Z');
  const joined = new Date('2026-01-05T09:01:00Z');

  it('waits until the deadline', () => {
    const participants = [
      { userId: A, joinedAt: joined },
      { userId: B, joinedAt: null },
    ];
    expect(noShowOutcome({ ...base, participants, now: new Date(deadline.getTime() - 1) })).toEqual({ cancel: false });
    expect(noShowOutcome({ ...base, participants, now: deadline })).toEqual({
      cancel: true,
      absent: [B],
      present: [A],
    });
  });

  it('cancels with both absent when neither showed up, and not at all when both did', () => {
    expect(
      noShowOutcome({
        ...base,
        participants: [
          { userId: A, joinedAt: null },
          { userId: B, joinedAt: null },
        ],
        now: deadline,
      }),
    ).toEqual({
      cancel: true,
      absent: [A, B],
      present: [],
    });
    expect(
      noShowOutcome({
        ...base,
        participants: [
          { userId: A, joinedAt: joined },
          { userId: B, joinedAt: joined },
        ],
        now: deadline,
      }),
    ).toEqual({
      cancel: false,
    });
  });

  it('leaves a started interview alone', () => {
    expect(
      noShowOutcome({ ...base, status: 'IN_PROGRESS', participants: [{ userId: A, joinedAt: null }], now: deadline }),
    ).toEqual({ cancel: false });
  });
});

describe('video settings', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-zego-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const base = { JWT_SECRET: 's'.repeat(32) };
  const SECRET = 'fa94dd0f974cf2e293728a526b028271';

  const errorOf = (env: NodeJS.ProcessEnv) => {
    try {
      loadConfig({ ...base, DATA_DIR: tmp, ...env });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('are off without either variable, on with both', () => {
    expect(loadConfig({ ...base, DATA_DIR: tmp }).zego).toBeNull();
    expect(loadConfig({ ...base, DATA_DIR: tmp, ZEGO_APP_ID: '', ZEGO_SERVER_SECRET: '' }).zego).toBeNull();
    expect(loadConfig({ ...base, DATA_DIR: tmp, ZEGO_APP_ID: '1234567890', ZEGO_SERVER_SECRET: SECRET }).zego).toEqual({
      appId: 1234567890,
      serverSecret: SECRET,
    });
  });

  it('refuses one without the other, a bad app id and a secret that is not 32 characters', () => {
    expect(errorOf({ ZEGO_APP_ID: '1' })).toMatch(/ZEGO_SERVER_SECRET: required when ZEGO_APP_ID is set/);
    expect(errorOf({ ZEGO_SERVER_SECRET: SECRET })).toMatch(/ZEGO_APP_ID: required when ZEGO_SERVER_SECRET is set/);
    for (const bad of ['0', '-5', '1.5', 'abc', '4294967296'])
      expect(errorOf({ ZEGO_APP_ID: bad, ZEGO_SERVER_SECRET: SECRET })).toMatch(/ZEGO_APP_ID/);
    for (const bad of ['short', `${SECRET}x`, 'é'.repeat(32)])
      expect(errorOf({ ZEGO_APP_ID: '1', ZEGO_SERVER_SECRET: bad })).toMatch(/ZEGO_SERVER_SECRET/);
  });
});
