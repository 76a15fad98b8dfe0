// Slots, bookings and the waiting room. Every booking change takes the slot
// row FOR SHARE, and a pairing run takes it FOR UPDATE, so room changes and
// pairing never interleave.
import type { Config } from '../config.js';
import { badInput, conflict, forbidden, notFound } from '../domain/errors.js';
import { clockExcludingMaintenance, type Window } from '../domain/maintenance.js';
import {
  SLOT_DURATION_MAX,
  SLOT_DURATION_MIN,
  isRoomOpen,
  isWholeMinute,
  overlaps,
  plannedSlots,
  roomWindow,
  soonSlots,
  slotEnd,
  type PlannerGrid,
} from '../domain/slots.js';
import { randomUUID } from 'node:crypto';
import { coalescedById } from '../infra/coalesce.js';
import { sqlTransaction, type Db, type Planned, type Sql, type Tx } from '../infra/db.js';
import type { Booking, Difficulty, InterviewType, Prisma, Slot } from '../generated/prisma/client.js';
import type { Viewer } from './accounts.js';
import { roomCounts, type Emitter, type Events } from './events.js';

const ACTIVE: Booking['status'][] = ['BOOKED', 'WAITING', 'MATCHED'];

type BookingQuery = Planned<Prisma.BookingInclude, Prisma.BookingSelect>;
type SlotQuery = Planned<Prisma.SlotInclude, Prisma.SlotSelect>;

export async function lockSlot(tx: Tx, slotId: string, mode: 'SHARE' | 'UPDATE') {
  const rows =
    mode === 'UPDATE'
      ? await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Slot" WHERE id = ${slotId}::uuid FOR UPDATE`
      : await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Slot" WHERE id = ${slotId}::uuid FOR SHARE`;
  if (rows.length === 0) throw notFound('Slot');
}

export function createBookings({ db, sql, events, config }: { db: Db; sql: Sql; events: Events; config: Config }) {
  /** Loads a booking of the viewer's, locking its slot and the booking. */
  async function ownBooking(tx: Tx, viewer: Viewer, bookingId: string) {
    const found = await tx.booking.findUnique({ where: { id: bookingId }, select: { slotId: true, userId: true } });
    if (!found) throw notFound('Booking');
    if (found.userId !== viewer.id) throw forbidden('This booking is not yours.');
    await lockSlot(tx, found.slotId, 'SHARE');
    await tx.$queryRaw`SELECT id FROM "Booking" WHERE id = ${bookingId}::uuid FOR UPDATE`;
    return tx.booking.findUniqueOrThrow({ where: { id: bookingId }, include: { slot: true } });
  }

  /** Inserting a planner key twice is a no-op. */
  async function createPlanned(wanted: { key: string; type: string; startsAt: Date; endsAt: Date }[]): Promise<number> {
    const { count } = await db.slot.createMany({
      data: wanted.map((s) => ({
        plannerKey: s.key,
        type: s.type as 'BEHAVIORAL' | 'TECHNICAL',
        startsAt: s.startsAt,
        endsAt: s.endsAt,
      })),
      skipDuplicates: true,
    });
    return count;
  }

  /**
   * Plain SQL, coalesced: every waitingRoom subscribe asks (a wave of them
   * when sockets reconnect), and Prisma's query compilation cost more than the query.
   */
  const slotsById = coalescedById(async (ids: string[]) => {
    const { rows } = await sql.query<Slot>(
      `SELECT id, "startsAt", "endsAt", type, "plannerKey", instant, "createdById", "createdAt"
         FROM "Slot" WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows;
  });
  async function requireSlot(slotId: string): Promise<Slot> {
    const slot = await slotsById(slotId);
    if (!slot) throw notFound('Slot');
    return slot;
  }

  return {
    async createSlot(
      viewer: Viewer,
      input: { startsAt: Date; durationMinutes: number; type: InterviewType },
      query: SlotQuery = {},
      now = new Date(),
    ) {
      if (!isWholeMinute(input.startsAt)) throw badInput('input.startsAt', 'must be on a whole minute.');
      if (input.startsAt <= now) throw badInput('input.startsAt', 'must be in the future.');
      if (input.durationMinutes < SLOT_DURATION_MIN || input.durationMinutes > SLOT_DURATION_MAX) {
        throw badInput('input.durationMinutes', `must be between ${SLOT_DURATION_MIN} and ${SLOT_DURATION_MAX}.`);
      }
      return db.slot.create({
        ...query,
        data: {
          startsAt: input.startsAt,
          endsAt: slotEnd(input.startsAt, input.durationMinutes),
          type: input.type,
          createdById: viewer.id,
        },
      });
    },

    listSlots(
      args: { from?: Date | null; to?: Date | null; type?: InterviewType | null },
      query: SlotQuery = {},
      now = new Date(),
    ) {
      const from = args.from ?? now;
      const to = args.to ?? new Date(from.getTime() + 8 * 86_400_000);
      if (to <= from) throw badInput('to', 'must be after from.');
      if (to.getTime() - from.getTime() > 31 * 86_400_000) throw badInput('to', 'the range may span at most 31 days.');
      return db.slot.findMany({
        ...query,
        where: {
          instant: false,
          endsAt: { gt: from },
          startsAt: { lt: to },
          ...(args.type ? { type: args.type } : {}),
        },
        orderBy: [{ startsAt: 'asc' }, { type: 'asc' }],
        take: 1000,
      });
    },

    /** Keeps the grid of slots generated ahead. */
    async planSlots(grid: PlannerGrid, now = new Date()): Promise<number> {
      return createPlanned(plannedSlots(grid, now));
    },

    /** Development: a slot of each type starting within `withinMinutes` (see soonSlots). */
    async planSoonSlots(types: readonly string[], withinMinutes: number, now = new Date()): Promise<number> {
      return createPlanned(soonSlots(types, now, withinMinutes));
    },

    /** Plain SQL on one connection: the hottest write, where Prisma's per-query compilation cost more than the statements. */
    async bookSlot(
      viewer: Viewer,
      input: { slotId: string; difficulty?: Difficulty | null },
      now = new Date(),
    ): Promise<Booking> {
      return sqlTransaction(sql, async (tx) => {
        // One booking change per user at a time, so two overlapping bookSlot calls cannot both pass the check.
        // NO KEY: the key-share lock a pairing run's participant insert takes on the user must not wait on it.
        const user = (
          await tx.query<{ level: Difficulty | null }>('SELECT level FROM "User" WHERE id = $1 FOR NO KEY UPDATE', [
            viewer.id,
          ])
        ).rows[0];
        // Without a difficulty, the profile's level.
        const difficulty = input.difficulty ?? user?.level;
        if (!difficulty)
          throw badInput(
            'input.difficulty',
            'is required while your profile has no level (set one with updateProfile).',
          );
        const slot = (await tx.query<Slot>('SELECT * FROM "Slot" WHERE id = $1 FOR SHARE', [input.slotId])).rows[0];
        if (!slot || slot.instant) throw notFound('Slot');
        if (slot.endsAt <= now) throw badInput('input.slotId', 'This slot has already ended.');
        // This statement's snapshot starts after the user lock, so it sees every booking committed before it.
        const mine = await tx.query<{ id: string; slotId: string; startsAt: Date; endsAt: Date }>(
          `SELECT b.id, b."slotId", s."startsAt", s."endsAt" FROM "Booking" b JOIN "Slot" s ON s.id = b."slotId"
            WHERE b."userId" = $1 AND b.status = ANY($2::"BookingStatus"[]) AND s."startsAt" < $3 AND s."endsAt" > $4`,
          [viewer.id, ACTIVE, slot.endsAt, slot.startsAt],
        );
        if (mine.rows.some((b) => b.slotId === slot.id)) throw conflict('You have already booked this slot.');
        const clash = mine.rows.find((b) => overlaps(b, slot));
        if (clash)
          throw conflict(`This slot overlaps another booking of yours (slot ${clash.slotId}).`, {
            bookingId: clash.id,
          });
        // One row per user and slot: booking again after cancelling revives it.
        const booked = await tx.query<Booking>(
          `INSERT INTO "Booking" (id, "slotId", "userId", difficulty, "updatedAt") VALUES ($1, $2, $3, $4, now())
           ON CONFLICT ("slotId", "userId") DO UPDATE
             SET difficulty = EXCLUDED.difficulty, status = 'BOOKED', "joinedAt" = NULL, "interviewId" = NULL, "updatedAt" = now()
           RETURNING *`,
          [randomUUID(), slot.id, viewer.id, difficulty],
        );
        return booked.rows[0]!;
      });
    },

    myBookings(viewer: Viewer, query: BookingQuery = {}) {
      return db.booking.findMany({
        ...query,
        where: { userId: viewer.id },
        orderBy: [{ slot: { startsAt: 'desc' } }],
        take: 500,
      });
    },

    async cancelBooking(viewer: Viewer, bookingId: string, query: BookingQuery = {}) {
      return events.transaction(async (tx, emit) => {
        const booking = await ownBooking(tx, viewer, bookingId);
        switch (booking.status) {
          case 'CANCELLED':
          case 'EXPIRED':
            throw conflict(`This booking is already ${booking.status.toLowerCase()}.`);
          case 'WAITING':
            emit.room(booking.slotId, 'LEAVE_ROOM');
            break;
          case 'MATCHED':
            await cancelMatch(tx, emit, booking, viewer.id);
            break;
          case 'BOOKED':
            break;
        }
        return tx.booking.update({
          ...query,
          where: { id: booking.id },
          data: { status: 'CANCELLED', joinedAt: null },
        });
      });
    },

    async joinWaitingRoom(viewer: Viewer, bookingId: string, query: BookingQuery = {}, now = new Date()) {
      return events.transaction(async (tx, emit) => {
        const booking = await ownBooking(tx, viewer, bookingId);
        if (booking.status === 'WAITING') return tx.booking.findUniqueOrThrow({ ...query, where: { id: booking.id } });
        if (booking.status !== 'BOOKED')
          throw conflict(`Only a BOOKED booking can join the waiting room; this one is ${booking.status}.`);
        if (!isRoomOpen(booking.slot, config.waitingRoomOpensMinutes, now)) {
          const { opensAt, closesAt } = roomWindow(booking.slot, config.waitingRoomOpensMinutes);
          throw badInput(
            'bookingId',
            now < opensAt
              ? `The waiting room opens at ${opensAt.toISOString()}.`
              : `The waiting room closed at ${closesAt.toISOString()}.`,
          );
        }
        emit.room(booking.slotId, 'JOIN_ROOM');
        return tx.booking.update({ ...query, where: { id: booking.id }, data: { status: 'WAITING', joinedAt: now } });
      });
    },

    async leaveWaitingRoom(viewer: Viewer, bookingId: string, query: BookingQuery = {}) {
      return events.transaction(async (tx, emit) => {
        const booking = await ownBooking(tx, viewer, bookingId);
        if (booking.status !== 'WAITING')
          throw conflict(`Only a WAITING booking can leave the waiting room; this one is ${booking.status}.`);
        emit.room(booking.slotId, 'LEAVE_ROOM');
        return tx.booking.update({ ...query, where: { id: booking.id }, data: { status: 'BOOKED', joinedAt: null } });
      });
    },

    requireSlot,

    /** Any signed-in user may see a room's counts (the schema checks that); who waits is never disclosed. */
    async waitingRoom(slotId: string) {
      const slot = await requireSlot(slotId);
      return { slot, ...(await roomCounts(db, slotId)) };
    },

    /**
     * Bookings whose slot ended while still waiting (or never joined) become EXPIRED. Time the
     * slot spent in maintenance `windows` does not count: its bookings expire that much later.
     */
    async expireEndedBookings(now = new Date(), windows: Window[] = []): Promise<number> {
      if (windows.length === 0) {
        return db.$executeRaw`
          UPDATE "Booking" b SET status = 'EXPIRED', "updatedAt" = ${now}
          FROM "Slot" s
          WHERE s.id = b."slotId" AND s."endsAt" <= ${now} AND b.status IN ('WAITING', 'BOOKED')`;
      }
      const ended = await db.$queryRaw<{ id: string; startsAt: Date; endsAt: Date }[]>`
        SELECT DISTINCT s.id, s."startsAt", s."endsAt" FROM "Slot" s JOIN "Booking" b ON b."slotId" = s.id
        WHERE s."endsAt" <= ${now} AND b.status IN ('WAITING', 'BOOKED')`;
      const due = ended.filter((s) => clockExcludingMaintenance(windows, s.startsAt, now) >= s.endsAt).map((s) => s.id);
      if (due.length === 0) return 0;
      return db.$executeRaw`
        UPDATE "Booking" b SET status = 'EXPIRED', "updatedAt" = ${now}
        WHERE b."slotId" = ANY(string_to_array(${due.join(',')}, ',')::uuid[]) AND b.status IN ('WAITING', 'BOOKED')`;
    },
  };
}

/**
 * A matched booking is cancelled before its interview started: the interview
 * is cancelled, the peer hears MATCH_CANCELLED and goes back to WAITING (with
 * their original join time, so they keep their place).
 */
async function cancelMatch(tx: Tx, emit: Emitter, booking: Booking, byUserId: string) {
  if (!booking.interviewId) return;
  const [interview] = await tx.$queryRaw<{ id: string; status: string }[]>`
    SELECT id, status FROM "Interview" WHERE id = ${booking.interviewId}::uuid FOR UPDATE`;
  if (!interview) return;
  if (interview.status !== 'SCHEDULED')
    throw conflict('The interview has already started; it can no longer be cancelled.');
  await tx.interview.update({
    where: { id: interview.id },
    data: { status: 'CANCELLED', cancelledAt: new Date(), cancelReason: 'booking-cancelled' },
  });
  const participants = await tx.interviewParticipant.findMany({ where: { interviewId: interview.id } });
  await tx.interviewParticipant.updateMany({ where: { interviewId: interview.id }, data: { bookingId: null } });
  for (const p of participants.filter((p) => p.userId !== byUserId)) {
    await tx.booking.updateMany({
      where: { interviewId: interview.id, userId: p.userId, status: 'MATCHED' },
      data: { status: 'WAITING', interviewId: null },
    });
    emit.user({
      userId: p.userId,
      type: 'MATCH_CANCELLED',
      interviewId: interview.id,
      payload: { slotId: booking.slotId, reason: 'Your peer cancelled their booking.', byUserId },
    });
  }
  emit.room(booking.slotId, 'JOIN_ROOM');
}

export type Bookings = ReturnType<typeof createBookings>;
