// Feedback after an interview: what a valid submission is, and who may read
// which feedback when. Received feedback stays hidden from its subject until
// both participants have submitted or 48 hours have passed since the end, so
// nobody rates in retaliation. Pure: the service and the stats use the same rule.
import { badInput } from './errors.js';

export const RATING_MIN = 1;
export const RATING_MAX = 5;
export const FEEDBACK_TEXT_MAX = 2000;
export const FEEDBACK_REVEAL_HOURS = 48;

export const RATING_FIELDS = ['communication', 'technical', 'problemSolving', 'goodMatch'] as const;
export type RatingField = (typeof RATING_FIELDS)[number];

export interface FeedbackInput {
  communication: number;
  technical?: number | null;
  problemSolving?: number | null;
  goodMatch: number;
  wouldPass?: boolean | null;
  strengths?: string | null;
  improvements?: string | null;
}

export interface NormalizedFeedback {
  communication: number;
  technical: number | null;
  problemSolving: number | null;
  goodMatch: number;
  wouldPass: boolean | null;
  strengths: string | null;
  improvements: string | null;
}

/**
 * Checks ratings (whole numbers 1–5) and texts (at most 2000 characters after
 * trimming; blank becomes null). Errors name the field as `input.<field>`, as
 * the schema's own validation does.
 */
export function normalizeFeedback(input: FeedbackInput): NormalizedFeedback {
  const rating = (field: RatingField, value: number | null | undefined, required: boolean): number | null => {
    if (value === null || value === undefined) {
      if (required) throw badInput(`input.${field}`, 'is required.');
      return null;
    }
    if (!Number.isInteger(value) || value < RATING_MIN || value > RATING_MAX) {
      throw badInput(`input.${field}`, `must be a whole number from ${RATING_MIN} to ${RATING_MAX}.`);
    }
    return value;
  };
  const text = (field: 'strengths' | 'improvements', value: string | null | undefined): string | null => {
    const trimmed = value?.trim() ?? '';
    if (trimmed.length > FEEDBACK_TEXT_MAX) {
      throw badInput(`input.${field}`, `must be at most ${FEEDBACK_TEXT_MAX} characters (it has ${trimmed.length}).`);
    }
    return trimmed === '' ? null : trimmed;
  };
  return {
    communication: rating('communication', input.communication, true)!,
    technical: rating('technical', input.technical, false),
    problemSolving: rating('problemSolving', input.problemSolving, false),
    goodMatch: rating('goodMatch', input.goodMatch, true)!,
    wouldPass: input.wouldPass ?? null,
    strengths: text('strengths', input.strengths),
    improvements: text('improvements', input.improvements),
  };
}

/** When feedback received in an interview that ended at `endedAt` becomes visible regardless of the peer. */
export function feedbackRevealAt(endedAt: Date): Date {
  return new Date(endedAt.getTime() + FEEDBACK_REVEAL_HOURS * 3_600_000);
}

export interface FeedbackVisibilityInput {
  viewer: { id: string; admin: boolean };
  feedback: { authorId: string; subjectId: string };
  /** Authors of all feedback in the same interview (to know whether both have submitted). */
  authorsInInterview: readonly string[];
  interviewEndedAt: Date | null;
  now: Date;
}

/**
 * Admins see all; an author always sees what they wrote; the subject sees it
 * once they have submitted theirs too, or 48 hours after the interview ended,
 * whichever comes first. Nobody else sees it.
 */
export function canSeeFeedback({
  viewer,
  feedback,
  authorsInInterview,
  interviewEndedAt,
  now,
}: FeedbackVisibilityInput): boolean {
  if (viewer.admin || feedback.authorId === viewer.id) return true;
  if (feedback.subjectId !== viewer.id) return false;
  if (authorsInInterview.includes(viewer.id)) return true;
  return interviewEndedAt !== null && now >= feedbackRevealAt(interviewEndedAt);
}

/** The feedback of one interview the viewer may see, in the order given. */
export function visibleFeedback<F extends { authorId: string; subjectId: string }>(
  viewer: { id: string; admin: boolean },
  feedback: readonly F[],
  interviewEndedAt: Date | null,
  now: Date,
): F[] {
  const authors = feedback.map((f) => f.authorId);
  return feedback.filter((f) =>
    canSeeFeedback({ viewer, feedback: f, authorsInInterview: authors, interviewEndedAt, now }),
  );
}

export type RatingAverages = Record<RatingField, number | null> & { count: number };

/** Mean of each rating over the feedback given (a rating left out is not counted); null when there is none. */
export function averageRatings(feedback: readonly Record<RatingField, number | null>[]): RatingAverages {
  const mean = (field: RatingField) => {
    const values = feedback.map((f) => f[field]).filter((v): v is number => v !== null);
    return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  };
  return {
    communication: mean('communication'),
    technical: mean('technical'),
    problemSolving: mean('problemSolving'),
    goodMatch: mean('goodMatch'),
    count: feedback.length,
  };
}
