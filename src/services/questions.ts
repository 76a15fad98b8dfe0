// The question bank: the starter questions, the admins' edits, and handing
// each participant of a new interview a question to ask the other.
import { badInput, notFound } from '../domain/errors.js';
import {
  normalizeQuestion,
  pickQuestion,
  questionPairs,
  type Pairing,
  type QuestionInput,
} from '../domain/questions.js';
import { STARTER_QUESTIONS } from '../domain/starter-questions.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Db, Planned, Tx } from '../infra/db.js';

type QuestionQuery = Planned<Prisma.QuestionInclude, Prisma.QuestionSelect>;

/** Inserts the starter questions not present yet (by key), so it is safe at every start and on every instance. */
export async function loadStarterQuestions(db: Db): Promise<number> {
  const { count } = await db.question.createMany({
    data: STARTER_QUESTIONS.map(({ key, ...q }) => ({ ...q, starterKey: key })),
    skipDuplicates: true,
  });
  return count;
}

/**
 * Gives each participant of the new interviews a question to ask the other,
 * in the transaction that creates them: the interview's type at the asked
 * one's difficulty, never one they were asked in an interview that was not
 * cancelled, else the one they were asked longest ago (domain/questions.ts).
 */
export async function assignQuestions(
  tx: Tx,
  interviews: (Pairing & { id: string })[],
  random: () => number = Math.random,
): Promise<number> {
  const asks = interviews.flatMap((i) => questionPairs(i).map((p) => ({ ...p, interviewId: i.id, type: i.type })));
  if (asks.length === 0) return 0;
  const kinds = [
    ...new Map(asks.map((a) => [`${a.type}/${a.difficulty}`, { type: a.type, difficulty: a.difficulty }])).values(),
  ];
  const bank = await tx.question.findMany({
    where: { archived: false, OR: kinds },
    select: { id: true, type: true, difficulty: true },
    orderBy: { id: 'asc' },
  });
  const asked = [...new Set(asks.map((a) => a.askedToId))];
  // One array parameter, not one per id: a pairing run can ask for 100,000 people (PostgreSQL takes 65,535 parameters).
  const past = await tx.$queryRaw<{ askedToId: string; questionId: string; at: Date }[]>`
    SELECT aq."askedToId", aq."questionId", max(aq."createdAt") AS at
    FROM "AssignedQuestion" aq JOIN "Interview" i ON i.id = aq."interviewId"
    WHERE aq."askedToId" = ANY(string_to_array(${asked.join(',')}, ',')::uuid[]) AND i.status <> 'CANCELLED'
    GROUP BY aq."askedToId", aq."questionId"`;
  const history = new Map<string, Map<string, Date>>(asked.map((id) => [id, new Map()]));
  for (const p of past) history.get(p.askedToId)!.set(p.questionId, p.at);

  const now = new Date();
  const rows: { interviewId: string; questionId: string; askedById: string; askedToId: string }[] = [];
  const pickedIn = new Map<string, Set<string>>();
  // Filtered once per kind, not once per ask (a run can have 100,000 asks).
  const candidatesOf = new Map<string, string[]>();
  for (const q of bank) {
    const kind = `${q.type}/${q.difficulty}`;
    candidatesOf.set(kind, [...(candidatesOf.get(kind) ?? []), q.id]);
  }
  for (const a of asks) {
    const candidates = candidatesOf.get(`${a.type}/${a.difficulty}`) ?? [];
    const avoid = pickedIn.get(a.interviewId) ?? new Set<string>();
    const questionId = pickQuestion(candidates, history.get(a.askedToId)!, { avoid, random });
    if (!questionId) continue;
    avoid.add(questionId);
    pickedIn.set(a.interviewId, avoid);
    // Someone matched into several interviews at once gets a different question in each.
    history.get(a.askedToId)!.set(questionId, now);
    rows.push({
      interviewId: a.interviewId,
      questionId,
      askedById: a.askedById,
      askedToId: a.askedToId,
    });
  }
  // Columns travel as comma-separated text: Prisma copies each parameter through its engine, and a
  // JSON recordset of a 100,000-booking run's assignments cost seconds there.
  const column = (key: keyof (typeof rows)[number]) => rows.map((r) => r[key]).join(',');
  if (rows.length)
    await tx.$executeRaw`
      INSERT INTO "AssignedQuestion" (id, "interviewId", "questionId", "askedById", "askedToId", "createdAt")
      SELECT gen_random_uuid(), x.i, x.q, x.b, x.t, ${now}
      FROM unnest(
        string_to_array(${column('interviewId')}, ',')::uuid[], string_to_array(${column('questionId')}, ',')::uuid[],
        string_to_array(${column('askedById')}, ',')::uuid[], string_to_array(${column('askedToId')}, ',')::uuid[]
      ) AS x(i, q, b, t)`;
  return rows.length;
}

export function createQuestions({ db }: { db: Db }) {
  const checked = (input: QuestionInput) => {
    const q = normalizeQuestion(input);
    if (!q.ok) throw badInput(`input.${q.field}`, q.message);
    return q.value;
  };
  const exists = async (id: string) => {
    if (!(await db.question.findUnique({ where: { id }, select: { id: true } }))) throw notFound('Question');
  };
  return {
    create(input: QuestionInput, query: QuestionQuery = {}) {
      return db.question.create({ ...query, data: checked(input) });
    },
    async update(id: string, input: QuestionInput, query: QuestionQuery = {}) {
      const data = checked(input);
      await exists(id);
      return db.question.update({ ...query, where: { id }, data });
    },
    /** Archived questions are never assigned again; interviews that have one keep it. Archiving twice is a no-op. */
    async archive(id: string, query: QuestionQuery = {}) {
      await exists(id);
      return db.question.update({ ...query, where: { id }, data: { archived: true } });
    },
  };
}

export type Questions = ReturnType<typeof createQuestions>;
