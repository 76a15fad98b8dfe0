// The question bank's rules: which question someone is asked, and who may read it.

export type QuestionType = 'BEHAVIORAL' | 'TECHNICAL';
export type QuestionDifficulty = 'EASY' | 'MEDIUM' | 'HARD';

export const QUESTION_LIMITS = { title: 200, body: 10_000, hints: 10, hint: 1_000 } as const;

export interface QuestionInput {
  type: QuestionType;
  difficulty: QuestionDifficulty;
  title: string;
  body: string;
  hints?: string[] | null;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

/** Trims and checks an admin's question; hints drop blank lines. */
export function normalizeQuestion(input: QuestionInput): Checked<Required<QuestionInput> & { hints: string[] }> {
  const title = input.title.trim();
  const body = input.body.trim();
  const hints = (input.hints ?? []).map((h) => h.trim()).filter((h) => h.length > 0);
  if (!title) return { ok: false, field: 'title', message: 'must not be empty.' };
  if (title.length > QUESTION_LIMITS.title)
    return { ok: false, field: 'title', message: `must be at most ${QUESTION_LIMITS.title} characters.` };
  if (!body) return { ok: false, field: 'body', message: 'must not be empty.' };
  if (body.length > QUESTION_LIMITS.body)
    return { ok: false, field: 'body', message: `must be at most ${QUESTION_LIMITS.body} characters.` };
  if (hints.length > QUESTION_LIMITS.hints)
    return { ok: false, field: 'hints', message: `must be at most ${QUESTION_LIMITS.hints} hints.` };
  if (hints.some((h) => h.length > QUESTION_LIMITS.hint)) {
    return { ok: false, field: 'hints', message: `each hint must be at most ${QUESTION_LIMITS.hint} characters.` };
  }
  return { ok: true, value: { type: input.type, difficulty: input.difficulty, title, body, hints } };
}

/**
 * The question to ask someone: one they have never been asked, picked at
 * random (`random` in [0, 1)); when they have been asked every one, the one
 * they were asked longest ago. `avoid` (the question their peer is asked in
 * the same interview) is skipped while anything else is left. Null when the
 * bank has nothing of this type and difficulty.
 */
export function pickQuestion(
  candidates: readonly string[],
  askedAt: ReadonlyMap<string, Date>,
  opts: { avoid?: ReadonlySet<string>; random?: () => number } = {},
): string | null {
  const avoid = opts.avoid ?? new Set<string>();
  const pool = candidates.some((id) => !avoid.has(id)) ? candidates.filter((id) => !avoid.has(id)) : candidates;
  if (pool.length === 0) return null;
  const fresh = pool.filter((id) => !askedAt.has(id));
  if (fresh.length) return fresh[Math.floor((opts.random ?? Math.random)() * fresh.length)]!;
  // Ties (asked in the same interview twice cannot happen, but equal timestamps can) fall to the id, so the pick is stable.
  return [...pool].sort((a, b) => askedAt.get(a)!.getTime() - askedAt.get(b)!.getTime() || a.localeCompare(b))[0]!;
}

export interface Pairing {
  type: QuestionType;
  /** Both participants, with the difficulty each booked. */
  participants: readonly { userId: string; difficulty: QuestionDifficulty }[];
}

/** Who asks whom in an interview of two: each asks the other, at the asked one's difficulty. */
export function questionPairs(p: Pairing): { askedById: string; askedToId: string; difficulty: QuestionDifficulty }[] {
  const [a, b] = p.participants;
  if (!a || !b || p.participants.length !== 2) return [];
  return [
    { askedById: a.userId, askedToId: b.userId, difficulty: b.difficulty },
    { askedById: b.userId, askedToId: a.userId, difficulty: a.difficulty },
  ];
}

/**
 * Who sees an assigned question in full: the one who asks, always; the one
 * asked, once the interview is COMPLETED (for review); admins, always.
 * Everyone else in the interview sees only that there is one.
 */
export function canSeeQuestion(
  viewer: { id: string; admin: boolean },
  assigned: { askedById: string; askedToId: string },
  interviewStatus: string,
): boolean {
  if (viewer.admin || viewer.id === assigned.askedById) return true;
  return viewer.id === assigned.askedToId && interviewStatus === 'COMPLETED';
}
