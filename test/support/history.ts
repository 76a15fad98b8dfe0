// Writes a long interview history for one user straight into the database
// (slots, interviews, participants, feedback both ways, asked questions), for
// reports over hundreds of interviews that the API would take minutes to build.
import { randomUUID } from 'node:crypto';
import type { TestDatabase } from './db.js';

const STRENGTHS = [
  'Clear communication',
  'clear communication.',
  'Asked good clarifying questions',
  'Solid testing habits',
  'Calm under pressure',
];
const IMPROVEMENTS = [
  'Talk through the approach before coding',
  'Watch the edge cases',
  'watch the edge cases',
  'Manage time on the last part',
];
const DIFFICULTIES = ['EASY', 'MEDIUM', 'HARD'] as const;

/**
 * `count` interviews of `userId` against the peers in turn, one every 8 hours
 * up to now: every tenth cancelled (every twentieth because the user did not
 * show up), the rest completed with feedback both ways whose ratings rise over
 * time, and the peer asking a starter question.
 */
export async function seedHistory(db: TestDatabase, userId: string, peerIds: string[], count: number) {
  const questions = await db.query<{ id: string }>(`SELECT id FROM "Question" ORDER BY id`);
  const now = Date.now();
  const slots: object[] = [];
  const interviews: object[] = [];
  const participants: object[] = [];
  const feedback: object[] = [];
  const asked: object[] = [];
  for (let n = 0; n < count; n++) {
    const peer = peerIds[n % peerIds.length]!;
    const at = new Date(now - (count - n) * 8 * 3_600_000);
    const end = new Date(at.getTime() + 3_600_000);
    const type = n % 2 ? 'TECHNICAL' : 'BEHAVIORAL';
    const cancelled = n % 10 === 9;
    const slotId = randomUUID();
    const id = randomUUID();
    slots.push({ id: slotId, startsAt: at, endsAt: end, type });
    interviews.push({
      id,
      slotId,
      type,
      status: cancelled ? 'CANCELLED' : 'COMPLETED',
      matchedAt: at,
      startedAt: cancelled ? null : at,
      endedAt: cancelled ? null : end,
      cancelledAt: cancelled ? end : null,
    });
    const difficulty = DIFFICULTIES[n % 3];
    participants.push({ interviewId: id, userId, role: 'INTERVIEWEE', difficulty, noShow: n % 20 === 19 });
    participants.push({ interviewId: id, userId: peer, role: 'INTERVIEWER', difficulty, noShow: false });
    if (cancelled) continue;
    const rising = Math.min(5, 1 + Math.floor((4 * n) / count) + (n % 2));
    feedback.push({
      id: randomUUID(),
      interviewId: id,
      authorId: peer,
      subjectId: userId,
      communication: rising,
      technical: type === 'TECHNICAL' ? rising : null,
      problemSolving: Math.max(1, rising - 1),
      goodMatch: 4,
      strengths: STRENGTHS[n % STRENGTHS.length],
      improvements: IMPROVEMENTS[n % IMPROVEMENTS.length],
      createdAt: end,
    });
    feedback.push({
      id: randomUUID(),
      interviewId: id,
      authorId: userId,
      subjectId: peer,
      communication: 4,
      technical: null,
      problemSolving: null,
      goodMatch: 4,
      strengths: null,
      improvements: null,
      createdAt: end,
    });
    if (questions.length)
      asked.push({
        id: randomUUID(),
        interviewId: id,
        questionId: questions[n % questions.length]!.id,
        askedById: peer,
        askedToId: userId,
        createdAt: at,
      });
  }
  const insert = (table: string, columns: string, rows: object[]) =>
    db.query(
      `INSERT INTO "${table}" (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::"${table}", $1::json)`,
      [JSON.stringify(rows)],
    );
  await insert('Slot', '"id", "startsAt", "endsAt", "type"', slots);
  await insert(
    'Interview',
    '"id", "slotId", "type", "status", "matchedAt", "startedAt", "endedAt", "cancelledAt"',
    interviews,
  );
  await insert('InterviewParticipant', '"interviewId", "userId", "role", "difficulty", "noShow"', participants);
  await insert(
    'Feedback',
    '"id", "interviewId", "authorId", "subjectId", "communication", "technical", "problemSolving", "goodMatch", "strengths", "improvements", "createdAt"',
    feedback,
  );
  await insert('AssignedQuestion', '"id", "interviewId", "questionId", "askedById", "askedToId", "createdAt"', asked);
  return {
    completed: count - Math.floor((count + 1) / 10),
    cancelled: Math.floor((count + 1) / 10),
    noShows: Math.floor((count + 1) / 20),
  };
}
