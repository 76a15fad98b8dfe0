// Pairs a slot's waiting room: read and order the room once, then commit the pairs in chunks, each
// chunk in its own transaction under the slot lock (so the room is never locked for a whole
// 100,000-booking run): create the interviews, mark the bookings MATCHED, assign questions and
// record MATCHED for everyone in it. Safe under any number of concurrent runs on any number of
// instances: the status check on update refuses a booking that is no longer WAITING (the chunk then
// writes nothing and the rest of the room is read again), and the unique
// InterviewParticipant.bookingId makes a double match impossible in the database.
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { notFound } from '../domain/errors.js';
import { assignRoles, matchWaitingRoom } from '../domain/matching.js';
import type { Db } from '../infra/db.js';
import type { Difficulty, InterviewType } from '../generated/prisma/client.js';
import { lockSlot } from './bookings.js';
import type { Events } from './events.js';
import { assignQuestions } from './questions.js';

interface WaitingRow {
  id: string;
  userId: string;
  difficulty: Difficulty;
  joinedAt: Date | null;
}
/** `joinedAt` as the rule reads it; `joined` as stored, to check it is unchanged when the pair is written. */
type Waiting = Omit<WaitingRow, 'joinedAt'> & { joinedAt: Date | number; joined: Date | null };

/** Pairs per transaction: big enough that per-statement costs vanish, small enough to hold locks briefly. */
const CHUNK_PAIRS = 2_500;

/** A chunk's bookings are not all WAITING any more: someone left the room after it was read. */
class RoomChanged extends Error {}

export function createMatching({ db, events, config }: { db: Db; events: Events; config: Config }) {
  /** Commits one chunk of pairs, or throws RoomChanged having written nothing. */
  function pairChunk(slotId: string, type: InterviewType, pairs: [Waiting, Waiting][]): Promise<string[]> {
    return events.transaction(
      async (tx, emit) => {
        await lockSlot(tx, slotId, 'UPDATE');
        const interviewIds = pairs.map(() => randomUUID());
        // Participants in pair order, each with its interview: the first of pair n is at 2n.
        const participants: {
          interviewId: string;
          userId: string;
          role: string;
          difficulty: Difficulty;
          bookingId: string;
          joinedAt: Date | null;
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
              joinedAt: me.entry.joined,
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
        // rows come from the bookings it marks MATCHED, so a booking no longer WAITING as it was read
        // (same join time: one who left and joined again may now sort elsewhere) gets neither.
        const now = new Date();
        const [{ matched }] = await tx.$queryRaw<[{ matched: bigint }]>`
          WITH o AS (
            SELECT * FROM unnest(
              string_to_array(${participants.map((p) => p.bookingId).join(',')}, ',')::uuid[],
              string_to_array(${participants.map((p) => p.role).join(',')}, ',')::"ParticipantRole"[],
              string_to_array(${participants.map((p) => p.joinedAt?.toISOString() ?? '').join(',')}, ',', '')::timestamptz[],
              string_to_array(${participants.map((p) => p.interviewId).join(',')}, ',')::uuid[]
            ) WITH ORDINALITY AS o(b, r, j, i, k)),
          iv AS (
            INSERT INTO "Interview" (id, "slotId", type, status, "matchedAt", "createdAt")
            SELECT i, ${slotId}::uuid, ${type}::"InterviewType", 'SCHEDULED', ${now}, ${now} FROM o WHERE k % 2 = 1),
          bk AS (
            UPDATE "Booking" SET status = 'MATCHED', "interviewId" = o.i, "updatedAt" = ${now}
            FROM o WHERE "Booking".id = o.b AND "Booking".status = 'WAITING' AND "Booking"."joinedAt" IS NOT DISTINCT FROM o.j
            RETURNING "Booking".id, "Booking"."userId", "Booking".difficulty, o.i, o.r),
          ip AS (
            INSERT INTO "InterviewParticipant" ("interviewId", "userId", role, difficulty, "bookingId")
            SELECT i, "userId", r, difficulty, id FROM bk)
          SELECT count(*) AS matched FROM bk`;
        if (Number(matched) !== participants.length) {
          throw new RoomChanged();
        }
        const byInterview = new Map<string, { userId: string; difficulty: Difficulty }[]>();
        for (const p of participants) {
          const list = byInterview.get(p.interviewId) ?? [];
          list.push({ userId: p.userId, difficulty: p.difficulty });
          byInterview.set(p.interviewId, list);
        }
        await assignQuestions(
          tx,
          interviewIds.map((id) => ({ id, type, participants: byInterview.get(id)! })),
        );
        emit.room(slotId, 'MATCHED');
        return interviewIds;
      },
      { timeout: 120_000 },
    );
  }

  return {
    /** Pairs the slot's waiting room now; returns the ids of the interviews created. */
    async pairSlot(slotId: string, chunkPairs = CHUNK_PAIRS): Promise<string[]> {
      const slot = await db.slot.findUnique({ where: { id: slotId }, select: { type: true } });
      if (!slot) throw notFound('Slot');
      const created: string[] = [];
      // Read again after a chunk found the room changed; a slot's type never changes.
      for (;;) {
        const waiting = await db.$queryRaw<WaitingRow[]>`
          SELECT id, "userId", difficulty, "joinedAt" FROM "Booking" WHERE "slotId" = ${slotId}::uuid AND status = 'WAITING'`;
        const { pairs } = matchWaitingRoom(
          waiting.map((w) => ({ ...w, joinedAt: w.joinedAt ?? 0, joined: w.joinedAt })),
        );
        // The rule pairs neighbours of one order, so pairing a prefix leaves the rest paired as the whole would be.
        let changed = false;
        for (let from = 0; from < pairs.length && !changed; from += chunkPairs) {
          try {
            created.push(...(await pairChunk(slotId, slot.type, pairs.slice(from, from + chunkPairs))));
          } catch (err) {
            if (!(err instanceof RoomChanged)) throw err;
            changed = true;
          }
        }
        if (!changed) return created;
      }
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
