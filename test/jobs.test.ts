// The scheduled jobs' code, run directly against a real database.
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
