// The scheduled jobs' code, run directly against a real database.
import { randomUUID } from 'node:crypto';
import { EVENT_TYPES } from '../src/domain/events.js';
import { plannedSlots, DEFAULT_GRID } from '../src/domain/slots.js';
import { EventType as PrismaEventType } from '../src/generated/prisma/enums.js';
import { book, createSlot, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let admin: TestUser;
beforeAll(async () => {
  stack = await startTestStack({ ADMIN_EMAILS: 'jobs-admin@example.com' });
  admin = await registerAdmin(stack.url, stack.db.url, 'jobs-admin@example.com');
});
afterAll(() => stack.close());

it('the database enum of event types is the one declared in src/domain/events.ts', () => {
  expect(Object.values(PrismaEventType)).toEqual([...EVENT_TYPES]);
});

it('plan-slots fills the grid ahead and is idempotent', async () => {
  const { bookings } = stack.app.services;
  const { config } = stack.app.infra;
  const now = new Date('2030-03-10T09:30:00Z');
  const wanted = plannedSlots(config.planner, now);
  // Default grid: 08:00–22:00 UTC every 2 h (7 starts a day), both types, 7 days ahead.
  expect(config.planner).toEqual(DEFAULT_GRID);
  expect(wanted.filter((s) => s.startsAt.toISOString().startsWith('2030-03-11'))).toHaveLength(14);
  expect(wanted.every((s) => s.startsAt > now)).toBe(true);
  expect(await bookings.planSlots(config.planner, now)).toBe(wanted.length);
  expect(await bookings.planSlots(config.planner, now)).toBe(0);
  const [row] = await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM "Slot" WHERE "plannerKey" IS NOT NULL`);
  expect(Number(row!.n)).toBe(wanted.length);
});

it('expire-bookings expires WAITING (and never-joined BOOKED) bookings of ended slots only', async () => {
  const { bookings } = stack.app.services;
  const ended = await createSlot(stack.url, admin, 60 * 24 * 10);
  const running = await createSlot(stack.url, admin, 60 * 24 * 11);
  const [u1, u2, u3] = [await registerUser(stack.url), await registerUser(stack.url), await registerUser(stack.url)];
  const waiting = await book(stack.url, u1, ended.id, 'EASY');
  const booked = await book(stack.url, u2, ended.id, 'EASY');
  const other = await book(stack.url, u3, running.id, 'EASY');
  await stack.db.query(`UPDATE "Booking" SET status = 'WAITING', "joinedAt" = now() WHERE id = $1`, [waiting.id]);
  await stack.db.query(
    `UPDATE "Slot" SET "startsAt" = now() - interval '2 hours', "endsAt" = now() - interval '1 hour' WHERE id = $1`,
    [ended.id],
  );
  expect(await bookings.expireEndedBookings()).toBe(2);
  const rows = await stack.db.query<{ id: string; status: string }>(
    `SELECT id, status FROM "Booking" WHERE id = ANY($1::uuid[])`,
    [[waiting.id, booked.id, other.id]],
  );
  expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({
    [waiting.id]: 'EXPIRED',
    [booked.id]: 'EXPIRED',
    [other.id]: 'BOOKED',
  });
});

it('match-waiting-rooms pairs open rooms only', async () => {
  const { matching } = stack.app.services;
  const open = await createSlot(stack.url, admin, 5);
  const closed = await createSlot(stack.url, admin, 60 * 24 * 12);
  const users = await Promise.all([0, 1, 2, 3].map(() => registerUser(stack.url)));
  const bookings = await Promise.all(users.map((u, i) => book(stack.url, u, i < 2 ? open.id : closed.id, 'MEDIUM')));
  // Put all four in their rooms directly: the closed room could not be joined through the API.
  await stack.db.query(`UPDATE "Booking" SET status = 'WAITING', "joinedAt" = now() WHERE id = ANY($1::uuid[])`, [
    bookings.map((b) => b.id),
  ]);
  expect(await matching.pairOpenRooms()).toEqual({ rooms: 1, interviews: 1 });
  const statuses = await stack.db.query<{ slotId: string; status: string }>(
    `SELECT "slotId", status FROM "Booking" WHERE id = ANY($1::uuid[])`,
    [bookings.map((b) => b.id)],
  );
  expect(statuses.filter((s) => s.slotId === open.id).map((s) => s.status)).toEqual(['MATCHED', 'MATCHED']);
  expect(statuses.filter((s) => s.slotId === closed.id).map((s) => s.status)).toEqual(['WAITING', 'WAITING']);
});

it('a pairing run that fails anywhere leaves nothing half-written, and a later run pairs everyone once', async () => {
  const { matching } = stack.app.services;
  const slot = await createSlot(stack.url, admin, 5);
  const users = await Promise.all([0, 1, 2, 3].map(() => registerUser(stack.url)));
  const bookings = await Promise.all(users.map((u) => book(stack.url, u, slot.id, 'HARD')));
  const ids = bookings.map((b) => b.id);
  await stack.db.query(`UPDATE "Booking" SET status = 'WAITING', "joinedAt" = now() WHERE id = ANY($1::uuid[])`, [ids]);
  const cursors = () =>
    stack.db.query<{ eventSeq: string }>(`SELECT "eventSeq" FROM "User" WHERE id = ANY($1::uuid[]) ORDER BY id`, [
      users.map((u) => u.id),
    ]);
  const before = await cursors();
  // The last write of the run (its events) fails: everything written before it must go too.
  await stack.db.query(`CREATE FUNCTION fail_event() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'event insert refused'; END $$`);
  await stack.db.query(`CREATE TRIGGER fail_event BEFORE INSERT ON "Event" FOR EACH ROW EXECUTE FUNCTION fail_event()`);
  try {
    await expect(matching.pairSlot(slot.id)).rejects.toThrow(/event insert refused/);
  } finally {
    await stack.db.query(`DROP TRIGGER fail_event ON "Event"; DROP FUNCTION fail_event()`);
  }
  const left = await stack.db.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM "Interview" WHERE "slotId" = $1)
          + (SELECT count(*) FROM "InterviewParticipant" WHERE "bookingId" = ANY($2::uuid[]))
          + (SELECT count(*) FROM "Booking" WHERE id = ANY($2::uuid[]) AND status <> 'WAITING')
          + (SELECT count(*) FROM "Event" WHERE "userId" = ANY($3::uuid[])) AS n`,
    [slot.id, ids, users.map((u) => u.id)],
  );
  expect(Number(left[0]!.n)).toBe(0);
  expect(await cursors()).toEqual(before);

  expect(await matching.pairSlot(slot.id)).toHaveLength(2);
  expect(await matching.pairSlot(slot.id)).toHaveLength(0);
  const paired = await stack.db.query<{ n: string }>(
    `SELECT count(DISTINCT "bookingId") AS n FROM "InterviewParticipant" WHERE "bookingId" = ANY($1::uuid[])`,
    [ids],
  );
  expect(Number(paired[0]!.n)).toBe(4);
  const matched = await stack.db.query<{ userId: string; seq: string }>(
    `SELECT "userId", seq FROM "Event" WHERE type = 'MATCHED' AND "userId" = ANY($1::uuid[])`,
    [users.map((u) => u.id)],
  );
  expect(matched).toHaveLength(4);
  expect(new Set(matched.map((e) => e.userId)).size).toBe(4);
});

it('a chunked run pairs by the rule when someone leaves between chunks, and never pairs a booking twice', async () => {
  const { matching } = stack.app.services;
  const slot = await createSlot(stack.url, admin, 5);
  const users = await Promise.all([0, 1, 2, 3, 4, 5].map(() => registerUser(stack.url)));
  const b = await Promise.all(users.map((u) => book(stack.url, u, slot.id, 'EASY')));
  // Joined in this order: b0 first.
  for (const [i, booking] of b.entries())
    await stack.db.query(
      `UPDATE "Booking" SET status = 'WAITING', "joinedAt" = now() + $2 * interval '1 second' WHERE id = $1`,
      [booking.id, i],
    );
  // The first chunk's commit also cancels b3, as if its user left the room between chunks.
  await stack.db.query(`CREATE FUNCTION leave_room() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE "Booking" SET status = 'CANCELLED' WHERE id = '${b[3]!.id}' AND status = 'WAITING'; RETURN NULL; END $$`);
  await stack.db.query(
    `CREATE TRIGGER leave_room AFTER INSERT ON "Interview" FOR EACH STATEMENT EXECUTE FUNCTION leave_room()`,
  );
  try {
    // One pair per chunk: (b0, b1) commits; (b2, b3) finds b3 gone and writes nothing; the room is read again.
    expect(await matching.pairSlot(slot.id, 1)).toHaveLength(2);
  } finally {
    await stack.db.query(`DROP TRIGGER leave_room ON "Interview"; DROP FUNCTION leave_room()`);
  }
  const rows = await stack.db.query<{ id: string; status: string; interviewId: string | null }>(
    `SELECT id, status, "interviewId" FROM "Booking" WHERE "slotId" = $1`,
    [slot.id],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const state = b.map((x) => byId.get(x.id)!);
  expect(state.map((r) => r.status)).toEqual(['MATCHED', 'MATCHED', 'MATCHED', 'CANCELLED', 'MATCHED', 'WAITING']);
  expect(state[0]!.interviewId).toBe(state[1]!.interviewId);
  expect(state[2]!.interviewId).toBe(state[4]!.interviewId);
  const participants = await stack.db.query<{ bookingId: string }>(
    `SELECT p."bookingId" FROM "InterviewParticipant" p JOIN "Interview" i ON i.id = p."interviewId" WHERE i."slotId" = $1`,
    [slot.id],
  );
  expect(participants.map((p) => p.bookingId).sort()).toEqual([b[0]!.id, b[1]!.id, b[2]!.id, b[4]!.id].sort());
});

it('concurrent chunked runs on one room pair each booking once', async () => {
  const { matching } = stack.app.services;
  const slot = await createSlot(stack.url, admin, 5);
  const users = await Promise.all(Array.from({ length: 10 }, () => registerUser(stack.url)));
  const b = await Promise.all(users.map((u, i) => book(stack.url, u, slot.id, i % 2 ? 'MEDIUM' : 'HARD')));
  await stack.db.query(`UPDATE "Booking" SET status = 'WAITING', "joinedAt" = now() WHERE id = ANY($1::uuid[])`, [
    b.map((x) => x.id),
  ]);
  const runs = await Promise.all([matching.pairSlot(slot.id, 1), matching.pairSlot(slot.id, 2)]);
  expect(runs.flat()).toHaveLength(5);
  const [row] = await stack.db.query<{ participants: string; bookings: string; matched: string; events: string }>(
    `SELECT count(*) AS participants, count(DISTINCT p."bookingId") AS bookings,
       (SELECT count(*) FROM "Booking" WHERE "slotId" = $1 AND status = 'MATCHED') AS matched,
       (SELECT count(*) FROM "Event" WHERE type = 'MATCHED' AND "userId" = ANY($2::uuid[])) AS events
     FROM "InterviewParticipant" p JOIN "Interview" i ON i.id = p."interviewId" WHERE i."slotId" = $1`,
    [slot.id, users.map((u) => u.id)],
  );
  expect(row).toEqual({ participants: '10', bookings: '10', matched: '10', events: '10' });
});

it('events are stored only for users that exist (Event has no foreign keys: storeUserEvents checks)', async () => {
  const { events } = stack.app.services;
  const user = await registerUser(stack.url);
  const [{ eventSeq }] = (await stack.db.query<{ eventSeq: string }>(`SELECT "eventSeq" FROM "User" WHERE id = $1`, [
    user.id,
  ])) as [{ eventSeq: string }];
  const payload = { slotId: randomUUID(), peerId: user.id, role: 'INTERVIEWER' as const };
  await expect(
    events.transaction(async (_tx, emit) => {
      emit.user({ userId: user.id, type: 'MATCHED', interviewId: null, payload });
      emit.user({ userId: randomUUID(), type: 'MATCHED', interviewId: null, payload });
    }),
  ).rejects.toThrow(/1 unknown user/);
  const after = await stack.db.query<{ eventSeq: string }>(`SELECT "eventSeq" FROM "User" WHERE id = $1`, [user.id]);
  expect(after[0]!.eventSeq).toBe(eventSeq);
  expect(await stack.db.query(`SELECT 1 FROM "Event" WHERE "userId" = $1 AND seq > $2`, [user.id, eventSeq])).toEqual(
    [],
  );
});

it('every stored event refers to an existing user, and to an existing interview when it names one', async () => {
  const dangling = await stack.db.query(
    `SELECT e."userId", e.seq FROM "Event" e LEFT JOIN "User" u ON u.id = e."userId"
     LEFT JOIN "Interview" i ON i.id = e."interviewId"
     WHERE u.id IS NULL OR (e."interviewId" IS NOT NULL AND i.id IS NULL)`,
  );
  const [{ n }] = (await stack.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM "Event" WHERE "interviewId" IS NOT NULL`,
  )) as [{ n: string }];
  expect(Number(n)).toBeGreaterThan(0);
  expect(dangling).toEqual([]);
});

it('prune-events deletes events older than the retention', async () => {
  const { events } = stack.app.services;
  const { config } = stack.app.infra;
  const [row] = await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM "Event"`);
  expect(Number(row!.n)).toBeGreaterThan(0);
  await stack.db.query(`UPDATE "Event" SET "createdAt" = now() - interval '31 days' WHERE seq = 1`);
  const old = await stack.db.query(`SELECT 1 FROM "Event" WHERE seq = 1`);
  expect(await events.prune(config.eventRetentionDays)).toBe(old.length);
  const [after] = await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM "Event"`);
  expect(Number(after!.n)).toBe(Number(row!.n) - old.length);
});
