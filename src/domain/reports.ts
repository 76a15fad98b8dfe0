// The practice report's content, computed from plain records: counts, ratings
// over time and per type and difficulty, trend lines, grouped peer comments,
// questions asked, and the weekly series myStats shares.
import { averageRatings, type RatingAverages, type RatingField } from './feedback.js';
import type { QuestionDifficulty, QuestionType } from './questions.js';

/** Stored reports per user beyond which older finished ones are deleted. */
export const REPORTS_KEPT = 20;
/** Runs of one report (the first plus takeovers after a runner died) before it is FAILED. */
export const REPORT_MAX_ATTEMPTS = 3;
/** How long a runner's claim lasts without renewal; renewed at every step. */
export const REPORT_LEASE_MS = 30_000;
/** Slices the interview history is read in: the read phase reports progress once per slice, whatever the count. */
export const REPORT_READ_SLICES = 10;

export const TREND_RATINGS = ['communication', 'technical', 'problemSolving'] as const satisfies readonly RatingField[];
export type TrendRating = (typeof TREND_RATINGS)[number];

export interface ReportInterview {
  id: string;
  type: QuestionType;
  /** The difficulty the user booked. */
  difficulty: QuestionDifficulty;
  status: 'SCHEDULED' | 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';
  matchedAt: Date;
  /** The user did not show up (the interview was cancelled for it). */
  noShow: boolean;
}

/** Feedback the user received and may see. */
export interface ReportFeedback {
  interviewId: string;
  at: Date;
  communication: number;
  technical: number | null;
  problemSolving: number | null;
  goodMatch: number;
  strengths: string | null;
  improvements: string | null;
}

export interface ReportQuestion {
  title: string;
  type: QuestionType;
  difficulty: QuestionDifficulty;
  at: Date;
}

export interface RatingPoint {
  at: Date;
  interviewId: string;
  type: QuestionType;
  difficulty: QuestionDifficulty;
  communication: number;
  technical: number | null;
  problemSolving: number | null;
}

export interface RatingGroup {
  type: QuestionType;
  difficulty: QuestionDifficulty;
  interviews: number;
  completed: number;
  ratings: RatingAverages;
}

/** A least-squares line through one rating over time. */
export interface Trend {
  rating: TrendRating;
  samples: number;
  /** Change per week; null with fewer than two samples at different times. */
  slopePerWeek: number | null;
  /** The line's value at the first and the last sample. */
  start: number | null;
  end: number | null;
}

export interface Theme {
  text: string;
  count: number;
}

export interface WeekPoint {
  /** Monday 00:00 UTC of the week. */
  weekStart: Date;
  interviews: number;
  completed: number;
  cancelled: number;
  noShows: number;
  ratings: RatingAverages;
}

export interface ReportSummary {
  interviews: number;
  completed: number;
  cancelled: number;
  noShows: number;
  averageRatings: RatingAverages;
  byTypeAndDifficulty: RatingGroup[];
  ratingsOverTime: RatingPoint[];
  trends: Trend[];
  strengths: Theme[];
  improvements: Theme[];
  questionsAsked: ReportQuestion[];
  weekly: WeekPoint[];
}

const TYPES: QuestionType[] = ['BEHAVIORAL', 'TECHNICAL'];
const DIFFICULTIES: QuestionDifficulty[] = ['EASY', 'MEDIUM', 'HARD'];
const WEEK_MS = 7 * 86_400_000;

export function counts(interviews: readonly ReportInterview[]) {
  return {
    interviews: interviews.length,
    completed: interviews.filter((i) => i.status === 'COMPLETED').length,
    cancelled: interviews.filter((i) => i.status === 'CANCELLED').length,
    noShows: interviews.filter((i) => i.noShow).length,
  };
}

export function ratingsOverTime(
  interviews: readonly ReportInterview[],
  feedback: readonly ReportFeedback[],
): RatingPoint[] {
  const byId = new Map(interviews.map((i) => [i.id, i]));
  return feedback
    .filter((f) => byId.has(f.interviewId))
    .map((f) => {
      const i = byId.get(f.interviewId)!;
      return {
        at: f.at,
        interviewId: f.interviewId,
        type: i.type,
        difficulty: i.difficulty,
        communication: f.communication,
        technical: f.technical,
        problemSolving: f.problemSolving,
      };
    })
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** Every type × difficulty the user took part in, with the averages of what they received there. */
export function byTypeAndDifficulty(
  interviews: readonly ReportInterview[],
  feedback: readonly ReportFeedback[],
): RatingGroup[] {
  const kind = new Map(interviews.map((i) => [i.id, `${i.type}/${i.difficulty}`]));
  return TYPES.flatMap((type) =>
    DIFFICULTIES.map((difficulty) => {
      const mine = interviews.filter((i) => i.type === type && i.difficulty === difficulty);
      const received = feedback.filter((f) => kind.get(f.interviewId) === `${type}/${difficulty}`);
      return {
        type,
        difficulty,
        interviews: mine.length,
        completed: mine.filter((i) => i.status === 'COMPLETED').length,
        ratings: averageRatings(received),
      };
    }),
  ).filter((g) => g.interviews > 0);
}

/** Least squares of rating against time, in weeks. */
export function trend(rating: TrendRating, points: readonly RatingPoint[]): Trend {
  const samples = points.filter((p) => p[rating] !== null).map((p) => ({ x: p.at.getTime() / WEEK_MS, y: p[rating]! }));
  const n = samples.length;
  if (n === 0) return { rating, samples: 0, slopePerWeek: null, start: null, end: null };
  const mx = samples.reduce((s, p) => s + p.x, 0) / n;
  const my = samples.reduce((s, p) => s + p.y, 0) / n;
  const sxx = samples.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (n < 2 || sxx === 0) return { rating, samples: n, slopePerWeek: null, start: my, end: my };
  const slope = samples.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
  const at = (x: number) => my + slope * (x - mx);
  return { rating, samples: n, slopePerWeek: slope, start: at(samples[0]!.x), end: at(samples[n - 1]!.x) };
}

/**
 * Peers' comments grouped: the same remark written differently (case,
 * spacing, trailing punctuation) counts once with its tally; most frequent
 * first, then the first wording seen.
 */
export function groupThemes(texts: readonly (string | null)[]): Theme[] {
  const groups = new Map<string, Theme & { first: number }>();
  texts.forEach((raw, n) => {
    const text = raw?.trim().replace(/\s+/g, ' ');
    if (!text) return;
    const key = text.toLowerCase().replace(/[.!?,;:\s]+$/u, '');
    const g = groups.get(key);
    if (g) g.count += 1;
    else groups.set(key, { text, count: 1, first: n });
  });
  return [...groups.values()]
    .sort((a, b) => b.count - a.count || a.first - b.first)
    .map(({ text, count }) => ({ text, count }));
}

/** Monday 00:00 UTC of the week containing `d`. */
export function weekStart(d: Date): Date {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000);
}

/** One point per week from the first interview's week to the last, empty weeks included; interviews count in their match week, ratings in the week they were given. */
export function weeklySeries(interviews: readonly ReportInterview[], feedback: readonly ReportFeedback[]): WeekPoint[] {
  const times = [...interviews.map((i) => i.matchedAt.getTime()), ...feedback.map((f) => f.at.getTime())];
  if (times.length === 0) return [];
  const first = weekStart(new Date(Math.min(...times))).getTime();
  const last = weekStart(new Date(Math.max(...times))).getTime();
  const weeks: WeekPoint[] = [];
  for (let t = first; t <= last; t += WEEK_MS) {
    const inWeek = (d: Date) => d.getTime() >= t && d.getTime() < t + WEEK_MS;
    const mine = interviews.filter((i) => inWeek(i.matchedAt));
    weeks.push({
      weekStart: new Date(t),
      ...counts(mine),
      ratings: averageRatings(feedback.filter((f) => inWeek(f.at))),
    });
  }
  return weeks;
}

export function buildSummary(
  interviews: readonly ReportInterview[],
  received: readonly ReportFeedback[],
  questions: readonly ReportQuestion[],
): ReportSummary {
  // Oldest first, so a grouped remark keeps its earliest wording however the history was read.
  const feedback = [...received].sort((a, b) => a.at.getTime() - b.at.getTime());
  const points = ratingsOverTime(interviews, feedback);
  return {
    ...counts(interviews),
    averageRatings: averageRatings(feedback),
    byTypeAndDifficulty: byTypeAndDifficulty(interviews, feedback),
    ratingsOverTime: points,
    trends: TREND_RATINGS.map((r) => trend(r, points)),
    strengths: groupThemes(feedback.map((f) => f.strengths)),
    improvements: groupThemes(feedback.map((f) => f.improvements)),
    questionsAsked: [...questions].sort((a, b) => a.at.getTime() - b.at.getTime()),
    weekly: weeklySeries(interviews, feedback),
  };
}

/** Progress after `done` of `total` equal steps, 0–100. */
export const stepProgress = (done: number, total: number) =>
  total <= 0 ? 100 : Math.min(100, Math.floor((done * 100) / total));

/** Splits ids into `slices` consecutive runs (some empty when there are fewer ids than slices). */
export function slices<T>(items: readonly T[], count = REPORT_READ_SLICES): T[][] {
  const size = Math.ceil(items.length / count);
  return Array.from({ length: count }, (_, n) => items.slice(n * size, (n + 1) * size));
}
