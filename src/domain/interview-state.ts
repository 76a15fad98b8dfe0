// The interview lifecycle of the contract (docs/api.md) as a pure state machine, plus the clock
// rules (no-show deadline, automatic end). Services ask `transition` before
// they write, so every caller (mutations, jobs) refuses the same things with
// the same words.

export const INTERVIEW_STATUSES = ['SCHEDULED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED'] as const;
export type InterviewStatus = (typeof INTERVIEW_STATUSES)[number];

export const INTERVIEW_ACTIONS = ['start', 'end', 'cancel', 'swapRoles'] as const;
export type InterviewAction = (typeof INTERVIEW_ACTIONS)[number];

export const PARTICIPANT_ROLES = ['INTERVIEWER', 'INTERVIEWEE'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

export const otherRole = (role: ParticipantRole): ParticipantRole =>
  role === 'INTERVIEWER' ? 'INTERVIEWEE' : 'INTERVIEWER';

/**
 * `changed` says whether the action has an effect the caller must store and
 * announce. It is false only for a repeated `start` (the second participant
 * showing up); it is true for `swapRoles`, whose status stays but whose roles change.
 */
export type TransitionResult = { ok: true; next: InterviewStatus; changed: boolean } | { ok: false; reason: string };

const ENDED = 'The interview has already ended.';
const CANCELLED = 'The interview was cancelled.';
const NOT_STARTED = 'The interview has not started yet.';
const STARTED = 'The interview has already started; end it instead.';

const go = (next: InterviewStatus) => ({ next, changed: true });

// Spelled out in full so that a new status or action does not compile until
// someone decides every cell.
const TABLE: Record<InterviewAction, Record<InterviewStatus, { next: InterviewStatus; changed: boolean } | string>> = {
  start: {
    SCHEDULED: go('IN_PROGRESS'),
    IN_PROGRESS: { next: 'IN_PROGRESS', changed: false },
    COMPLETED: ENDED,
    CANCELLED,
  },
  end: { SCHEDULED: NOT_STARTED, IN_PROGRESS: go('COMPLETED'), COMPLETED: ENDED, CANCELLED },
  // A started interview is ended, not cancelled: it may already have feedback and chat.
  cancel: { SCHEDULED: go('CANCELLED'), IN_PROGRESS: STARTED, COMPLETED: ENDED, CANCELLED },
  // Participants may settle who asks first before the call or trade halfway through.
  swapRoles: { SCHEDULED: go('SCHEDULED'), IN_PROGRESS: go('IN_PROGRESS'), COMPLETED: ENDED, CANCELLED },
};

export function transition(status: InterviewStatus, action: InterviewAction): TransitionResult {
  const outcome = TABLE[action][status];
  return typeof outcome === 'string' ? { ok: false, reason: outcome } : { ok: true, ...outcome };
}

const MINUTE_MS = 60_000;

function addMinutes(at: Date, minutes: number): Date {
  // Minutes come from configuration; a negative or NaN value would silently cancel or end interviews early.
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`Invalid number of minutes: ${minutes}`);
  return new Date(at.getTime() + minutes * MINUTE_MS);
}

/**
 * When a participant who has not shown up counts as a no-show: NO_SHOW_MINUTES
 * after the slot start or the match, whichever is later, so that a pair matched
 * late in the slot still gets the full time to arrive.
 */
export function noShowDeadline(input: { slotStartsAt: Date; matchedAt: Date; noShowMinutes: number }): Date {
  const from = Math.max(input.slotStartsAt.getTime(), input.matchedAt.getTime());
  return addMinutes(new Date(from), input.noShowMinutes);
}

/** When an interview still IN_PROGRESS is ended for the participants: slot end plus SESSION_GRACE_MINUTES. */
export function autoEndAt(input: { slotEndsAt: Date; graceMinutes: number }): Date {
  return addMinutes(input.slotEndsAt, input.graceMinutes);
}

/**
 * Feedback is about a session that took place: it may be given once the
 * interview has started (IN_PROGRESS or COMPLETED), never before or after a cancellation.
 */
export function canGiveFeedback(status: InterviewStatus): { ok: true } | { ok: false; reason: string } {
  switch (status) {
    case 'IN_PROGRESS':
    case 'COMPLETED':
      return { ok: true };
    case 'SCHEDULED':
      return { ok: false, reason: 'Feedback can be given once the interview has started.' };
    case 'CANCELLED':
      return { ok: false, reason: CANCELLED };
  }
}

/** Whether a SCHEDULED interview should be cancelled for no-shows at `now`, and who did not show up. */
export function noShowOutcome(input: {
  status: InterviewStatus;
  slotStartsAt: Date;
  matchedAt: Date;
  noShowMinutes: number;
  participants: readonly { userId: string; joinedAt: Date | null }[];
  now: Date;
}): { cancel: false } | { cancel: true; absent: string[]; present: string[] } {
  if (input.status !== 'SCHEDULED') return { cancel: false };
  if (input.now < noShowDeadline(input)) return { cancel: false };
  const absent = input.participants.filter((p) => p.joinedAt === null).map((p) => p.userId);
  if (absent.length === 0) return { cancel: false };
  const present = input.participants.filter((p) => p.joinedAt !== null).map((p) => p.userId);
  return { cancel: true, absent, present };
}
