// The report's pure rules: trend lines, grouped remarks, the weekly series, progress steps.
import {
  buildSummary,
  groupThemes,
  slices,
  stepProgress,
  trend,
  weekStart,
  weeklySeries,
  type ReportFeedback,
  type ReportInterview,
} from '../src/domain/reports.js';

const day = (n: number) => new Date(Date.UTC(2026, 10, 2 + n, 12)); // 2026-11-02 is a Monday
const interview = (id: string, n: number, extra: Partial<ReportInterview> = {}): ReportInterview => ({
  id,
  type: 'TECHNICAL',
  difficulty: 'MEDIUM',
  status: 'COMPLETED',
  matchedAt: day(n),
  noShow: false,
  ...extra,
});
const fb = (
  interviewId: string,
  n: number,
  communication: number,
  extra: Partial<ReportFeedback> = {},
): ReportFeedback => ({
  interviewId,
  at: day(n),
  communication,
  technical: null,
  problemSolving: null,
  goodMatch: 3,
  strengths: null,
  improvements: null,
  ...extra,
});

it('fits a least-squares line per rating, per week', () => {
  const points = [0, 7, 14].map((n, i) => ({
    at: day(n),
    interviewId: `i${i}`,
    type: 'TECHNICAL' as const,
    difficulty: 'EASY' as const,
    communication: 2 + i,
    technical: null,
    problemSolving: 4,
  }));
  expect(trend('communication', points)).toEqual({
    rating: 'communication',
    samples: 3,
    slopePerWeek: 1,
    start: 2,
    end: 4,
  });
  expect(trend('technical', points)).toEqual({
    rating: 'technical',
    samples: 0,
    slopePerWeek: null,
    start: null,
    end: null,
  });
  expect(trend('problemSolving', points.slice(0, 1))).toEqual({
    rating: 'problemSolving',
    samples: 1,
    slopePerWeek: null,
    start: 4,
    end: 4,
  });
});

it('groups remarks that differ only in case, spacing and final punctuation', () => {
  expect(groupThemes(['Clear  answers', null, 'clear answers.', '  ', 'Good tests', 'Good tests!', 'Other'])).toEqual([
    { text: 'Clear answers', count: 2 },
    { text: 'Good tests', count: 2 },
    { text: 'Other', count: 1 },
  ]);
});

it('makes one point per week from the first to the last, empty weeks included', () => {
  expect(weekStart(day(6)).toISOString()).toBe('2026-11-02T00:00:00.000Z');
  expect(weekStart(day(7)).toISOString()).toBe('2026-11-09T00:00:00.000Z');
  const weeks = weeklySeries(
    [interview('a', 0), interview('b', 1, { status: 'CANCELLED', noShow: true }), interview('c', 15)],
    [fb('a', 1, 2), fb('c', 16, 4)],
  );
  expect(
    weeks.map((w) => [
      w.weekStart.toISOString().slice(0, 10),
      w.interviews,
      w.completed,
      w.cancelled,
      w.noShows,
      w.ratings.communication,
    ]),
  ).toEqual([
    ['2026-11-02', 2, 1, 1, 1, 2],
    ['2026-11-09', 0, 0, 0, 0, null],
    ['2026-11-16', 1, 1, 0, 0, 4],
  ]);
  expect(weeklySeries([], [])).toEqual([]);
});

it('summarises counts, groups and the questions in time order', () => {
  const s = buildSummary(
    [interview('a', 0), interview('b', 3, { type: 'BEHAVIORAL', difficulty: 'HARD' })],
    [fb('b', 4, 5, { strengths: 'Calm' }), fb('a', 1, 3, { strengths: 'calm.' })],
    [
      { title: 'Later', type: 'TECHNICAL', difficulty: 'MEDIUM', at: day(2) },
      { title: 'First', type: 'TECHNICAL', difficulty: 'MEDIUM', at: day(0) },
    ],
  );
  expect(s).toMatchObject({ interviews: 2, completed: 2, cancelled: 0, noShows: 0 });
  expect(s.byTypeAndDifficulty.map((g) => [g.type, g.difficulty, g.ratings.communication])).toEqual([
    ['BEHAVIORAL', 'HARD', 5],
    ['TECHNICAL', 'MEDIUM', 3],
  ]);
  expect(s.strengths).toEqual([{ text: 'calm.', count: 2 }]);
  expect(s.questionsAsked.map((q) => q.title)).toEqual(['First', 'Later']);
  expect(s.ratingsOverTime.map((p) => p.interviewId)).toEqual(['a', 'b']);
});

it('reads in ten slices whatever the count, and counts progress in whole percents', () => {
  expect(slices([1, 2, 3]).map((s) => s.length)).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
  expect(slices(Array.from({ length: 500 }, (_, n) => n)).every((s) => s.length === 50)).toBe(true);
  expect([
    stepProgress(0, 18),
    stepProgress(1, 18),
    stepProgress(17, 18),
    stepProgress(18, 18),
    stepProgress(0, 0),
  ]).toEqual([0, 5, 94, 100, 100]);
});
