// Applies the matching rule to one slot atomically: lock the slot, read its
// WAITING bookings, create the interviews, mark the bookings MATCHED and
// record MATCHED for everyone, in one transaction. Safe under any number of
// concurrent runs on any number of instances: the slot lock serialises them,
// the status check on update refuses a stale booking, and the unique
// InterviewParticipant.bookingId makes a double match impossible in the database.
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { assignRoles, matchWaitingRoom } from '../domain/matching.js';
import type { Db } from '../infra/db.js';
import type { Difficulty } from '../generated/prisma/client.js';
import { lockSlot } from './bookings.js';
import type { Events } from './events.js';
import { assignQuestions } from './questions.js';

interface WaitingRow {
  id: string;
  userId: string;
  difficulty: Difficulty;
  joinedAt: Date;
}

export function createMatching({ db, events, config }: { db: Db; events: Events; config: Config }) {
  return {
    /** Pairs the slot's waiting room now; returns the ids of the interviews created. */
    async pairSlot(slotId: string): Promise<string[]> {
      return events.transaction(
        async (tx, emit) => {
          await lockSlot(tx, slotId, 'UPDATE');
          const slot = await tx.slot.findUniqueOrThrow({ where: { id: slotId }, select: { type: true } });
          const waiting = await tx.$queryRaw<WaitingRow[]>`
            SELECT id, "userId", difficulty, "joinedAt" FROM "Booking"
            WHERE "slotId" = ${slotId}::uuid AND status = 'WAITING' FOR UPDATE`;
          const { pairs } = matchWaitingRoom(waiting.map((w) => ({ ...w, joinedAt: w.joinedAt ?? 0 })));
          if (pairs.length === 0) return [];

          const interviewIds = pairs.map(() => randomUUID());
          // Participants in pair order: the two of pair n are at 2n and 2n + 1.
          const participants: {
            interviewId: string;
            userId: string;
            role: string;
            difficulty: Difficulty;
            bookingId: string;
          }[] = [];
          pairs.forEach((pair, n) => {
            const interviewId = interviewIds[n]!;
            const [first, second] = assignRoles(pair);
            for (const [me, peer] of [
              [first, second],
              [second, first],
            ] as const) {
              participants.push({
                interviewId,
                userId: me.entry.userId,
                role: me.role,
                difficulty: me.difficulty,
                bookingId: me.entry.id,
              });
              emit.user({
                userId: me.entry.userId,
                type: 'MATCHED',
                interviewId,
                payload: { slotId, peerId: peer.entry.userId, role: me.role },
              });
            }
          });
          // One statement, and only ids and roles as comma-separated text: Prisma copies each parameter
          // through its engine, which cost seconds per JSON recordset at 100,000 bookings. The participant
          // rows come from the bookings it marks MATCHED, so a booking no longer WAITING gets neither.
          const now = new Date();
          const [{ matched }] = await tx.$queryRaw<[{ matched: bigint }]>`
            WITH v AS (
              SELECT * FROM unnest(string_to_array(${interviewIds.join(',')}, ',')::uuid[]) WITH ORDINALITY AS v(i, n)),
            o AS (
              SELECT o.b, o.r, v.i FROM unnest(
                string_to_array(${participants.map((p) => p.bookingId).join(',')}, ',')::uuid[],
                string_to_array(${participants.map((p) => p.role).join(',')}, ',')::"ParticipantRole"[]
              ) WITH ORDINALITY AS o(b, r, k) JOIN v ON v.n = (o.k + 1) / 2),
            iv AS (
              INSERT INTO "Interview" (id, "slotId", type, status, "matchedAt", "createdAt")
              SELECT i, ${slotId}::uuid, ${slot.type}::"InterviewType", 'SCHEDULED', ${now}, ${now} FROM v),
            bk AS (
              UPDATE "Booking" SET status = 'MATCHED', "interviewId" = o.i, "updatedAt" = ${now}
              FROM o WHERE "Booking".id = o.b AND "Booking".status = 'WAITING'
              RETURNING "Booking".id, "Booking"."userId", "Booking".difficulty, o.i, o.r),
            ip AS (
              INSERT INTO "InterviewParticipant" ("interviewId", "userId", role, difficulty, "bookingId")
              SELECT i, "userId", r, difficulty, id FROM bk)
            SELECT count(*) AS matched FROM bk`;
          if (Number(matched) !== participants.length) {
            throw new Error(`pairing ${slotId}: ${matched} of ${participants.length} bookings were still waiting`);
          }
          const byInterview = new Map<string, { userId: string; difficulty: Difficulty }[]>();
          for (const p of participants) {
            const list = byInterview.get(p.interviewId) ?? [];
            list.push({ userId: p.userId, difficulty: p.difficulty });
            byInterview.set(p.interviewId, list);
          }
          await assignQuestions(
            tx,
            interviewIds.map((id) => ({ id, type: slot.type, participants: byInterview.get(id)! })),
          );
          emit.room(slotId, 'MATCHED');
          return interviewIds;
        },
        { timeout: 120_000 },
      );
    },

    /** The scheduled run: every open room with at least two waiting. */
    async pairOpenRooms(now = new Date()): Promise<{ rooms: number; interviews: number }> {
      const opensMs = config.waitingRoomOpensMinutes * 60_000;
      const rooms = await db.$queryRaw<{ slotId: string }[]>`
        SELECT b."slotId" FROM "Booking" b JOIN "Slot" s ON s.id = b."slotId"
        WHERE b.status = 'WAITING' AND s."startsAt" <= ${new Date(now.getTime() + opensMs)} AND s."endsAt" > ${now}
        GROUP BY b."slotId" HAVING count(*) >= 2`;
      let interviews = 0;
      for (const { slotId } of rooms) interviews += (await this.pairSlot(slotId)).length;
      return { rooms: rooms.length, interviews };
    },
  };
}

export type Matching = ReturnType<typeof createMatching>;
