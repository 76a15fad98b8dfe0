// SLOT_REMINDER over two real instances: once per booking however many runs
// race on both instances and across a restart; the event is stored and
// streamed, the email (text and HTML, with one-click unsubscribe) shows the
// time in the recipient's zone, also on both sides of the 2026 and 2027 DST
// changes in America/New_York and Europe/Berlin.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createEmailSender } from '../src/services/email-outbox.js';
import { graphql } from './generated/gql.js';
import { connectWs, ok, subscribe, type WsConnection } from './support/client.js';
import { emailsTo, type TestDatabase } from './support/db.js';
import { book, createSlot, registerUser, type TestUser } from './support/fixtures.js';
import { startServer, startTwoInstances, type TestServer, type TwoInstances } from './support/server.js';

// Two instances and a few argon2 sign-ups: slow on a loaded machine.
const BOOT_TIMEOUT_MS = 90_000;

const Events = graphql(`
  subscription ReminderEvents($after: String) {
    events(after: $after) {
      id
      type
      payload
      slot {
        id
        startsAt
      }
    }
  }
`);
const UpdateProfile = graphql(`
  mutation ReminderProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      timezone
    }
  }
`);
const Prefs = graphql(`
  mutation ReminderPrefs($input: NotificationPreferencesInput!) {
    updateNotificationPreferences(input: $input) {
      notificationPreferences {
        emailReminders
      }
    }
  }
`);

let stack: TwoInstances;
let db: TestDatabase;
let a: TestServer;
let b: TestServer;
let admin: TestUser;
let servers: TestServer[];
const sockets: WsConnection[] = [];
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  stack = await startTwoInstances('remind-admin@example.com', { APP_URL: 'https://app.example.test' });
  ({ db, env, a, b, admin, servers } = stack);
}, BOOT_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack.close();
}, BOOT_TIMEOUT_MS);

it(
  'each booked user gets SLOT_REMINDER and an email exactly once, with runs racing on two instances and a restart',
  async () => {
    const slot = await createSlot(a.url, admin, 10); // inside the default 15 minutes
    const far = await createSlot(a.url, admin, 120); // not yet due
    const users = await Promise.all([0, 1, 2].map((i) => registerUser(a.url, `R${i}`)));
    for (const u of users) await book(a.url, u, slot.id, 'MEDIUM');
    await book(a.url, users[0]!, far.id, 'MEDIUM');
    const conn = connectWs(b.wsUrl, users[0]!.token);
    sockets.push(conn);
    const stream = subscribe(conn, Events, { after: '0' });

    // Ten runs at once on each instance.
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).app.services.reminders.sendDue()),
    );
    expect(runs.reduce((n, r) => n + r, 0)).toBe(3);

    const e = (await stream.next()).data!.events;
    expect(e.type).toBe('SLOT_REMINDER');
    expect(e.slot).toEqual({ id: slot.id, startsAt: slot.startsAt });
    expect(e.payload).toMatchObject({ slotId: slot.id, startsAt: slot.startsAt, type: 'TECHNICAL' });

    // Restarted: nothing is sent again.
    await a.app.stop();
    servers.splice(servers.indexOf(a), 1);
    a = await startServer({ ...env, INSTANCE_NAME: 'a2' });
    servers.push(a);
    expect(await a.app.services.reminders.sendDue()).toBe(0);

    for (const u of users) {
      const stored = await db.query(`SELECT 1 FROM "Event" WHERE "userId" = $1 AND type = 'SLOT_REMINDER'`, [u.id]);
      expect(stored).toHaveLength(1);
      const mails = await emailsTo(db, u.email);
      expect(mails).toHaveLength(1);
      const [mail] = mails;
      // The slot starts on the minute 10 to 11 minutes after it was created.
      const minutes = Number(
        /^Reminder: your technical mock interview starts in (\d+) minutes$/.exec(mail!.subject)?.[1],
      );
      expect(minutes).toBeGreaterThanOrEqual(9);
      expect(minutes).toBeLessThanOrEqual(11);
      expect(mail!.body).toContain('(UTC, UTC+00:00)');
      expect(mail!.html).toContain('<a href="https://app.example.test">Open MockMate</a>');
      const link = /https:\/\/app\.example\.test\/unsubscribe\?token=[^\s"<>]+/.exec(mail!.body)![0];
      expect(mail!.html).toContain(`href="${link}"`);
      expect(mail!.headers).toEqual({
        'List-Unsubscribe': `<${link}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      });
    }
    expect(stream.pending()).toBe(0);
  },
  BOOT_TIMEOUT_MS,
);

it('a user who turned reminder emails off still gets the event, but no email', async () => {
  const slot = await createSlot(a.url, admin, 12);
  const u = await registerUser(a.url);
  await ok(a.url, Prefs, { input: { emailReminders: false } }, { token: u.token });
  await book(a.url, u, slot.id, 'EASY');
  expect(await b.app.services.reminders.sendDue()).toBeGreaterThanOrEqual(1);
  expect(await db.query(`SELECT 1 FROM "Event" WHERE "userId" = $1 AND type = 'SLOT_REMINDER'`, [u.id])).toHaveLength(
    1,
  );
  expect(await emailsTo(db, u.email)).toEqual([]);
});

it('cancelled bookings and slots already started get no reminder', async () => {
  const slot = await createSlot(a.url, admin, 8);
  const [u, v] = [await registerUser(a.url), await registerUser(a.url)];
  const cancelled = await book(a.url, u, slot.id, 'EASY');
  await db.query(`UPDATE "Booking" SET status = 'CANCELLED' WHERE id = $1`, [cancelled.id]);
  const started = await createSlot(a.url, admin, 60 * 24);
  await book(a.url, v, started.id, 'EASY');
  await db.query(`UPDATE "Slot" SET "startsAt" = now() - interval '1 minute' WHERE id = $1`, [started.id]);
  await a.app.services.reminders.sendDue();
  expect(
    await db.query(`SELECT 1 FROM "Event" WHERE "userId" = ANY($1::uuid[]) AND type = 'SLOT_REMINDER'`, [[u.id, v.id]]),
  ).toEqual([]);
});

describe('times in the recipient zone across DST', () => {
  // 14:00 UTC the day before and the day after each switch.
  const cases: [string, string, string][] = [
    // America/New_York: 8 Mar 2026, 1 Nov 2026, 14 Mar 2027, 7 Nov 2027.
    ['America/New_York', '2026-03-07T14:00:00Z', 'Saturday, 7 March 2026, 09:00 (America/New_York, UTC-05:00)'],
    ['America/New_York', '2026-03-09T14:00:00Z', 'Monday, 9 March 2026, 10:00 (America/New_York, UTC-04:00)'],
    ['America/New_York', '2026-10-31T14:00:00Z', 'Saturday, 31 October 2026, 10:00 (America/New_York, UTC-04:00)'],
    ['America/New_York', '2026-11-02T14:00:00Z', 'Monday, 2 November 2026, 09:00 (America/New_York, UTC-05:00)'],
    ['America/New_York', '2027-03-13T14:00:00Z', 'Saturday, 13 March 2027, 09:00 (America/New_York, UTC-05:00)'],
    ['America/New_York', '2027-03-15T14:00:00Z', 'Monday, 15 March 2027, 10:00 (America/New_York, UTC-04:00)'],
    ['America/New_York', '2027-11-06T14:00:00Z', 'Saturday, 6 November 2027, 10:00 (America/New_York, UTC-04:00)'],
    ['America/New_York', '2027-11-08T14:00:00Z', 'Monday, 8 November 2027, 09:00 (America/New_York, UTC-05:00)'],
    // Europe/Berlin: 29 Mar 2026, 25 Oct 2026, 28 Mar 2027, 31 Oct 2027.
    ['Europe/Berlin', '2026-03-28T14:00:00Z', 'Saturday, 28 March 2026, 15:00 (Europe/Berlin, UTC+01:00)'],
    ['Europe/Berlin', '2026-03-30T14:00:00Z', 'Monday, 30 March 2026, 16:00 (Europe/Berlin, UTC+02:00)'],
    ['Europe/Berlin', '2026-10-24T14:00:00Z', 'Saturday, 24 October 2026, 16:00 (Europe/Berlin, UTC+02:00)'],
    ['Europe/Berlin', '2026-10-26T14:00:00Z', 'Monday, 26 October 2026, 15:00 (Europe/Berlin, UTC+01:00)'],
    ['Europe/Berlin', '2027-03-27T14:00:00Z', 'Saturday, 27 March 2027, 15:00 (Europe/Berlin, UTC+01:00)'],
    ['Europe/Berlin', '2027-03-29T14:00:00Z', 'Monday, 29 March 2027, 16:00 (Europe/Berlin, UTC+02:00)'],
    ['Europe/Berlin', '2027-10-30T14:00:00Z', 'Saturday, 30 October 2027, 16:00 (Europe/Berlin, UTC+02:00)'],
    ['Europe/Berlin', '2027-11-01T14:00:00Z', 'Monday, 1 November 2027, 15:00 (Europe/Berlin, UTC+01:00)'],
  ];
  const people = new Map<string, TestUser>();

  beforeAll(async () => {
    for (const zone of ['America/New_York', 'Europe/Berlin']) {
      const u = await registerUser(a.url, zone.split('/')[1]!.replace('_', ''));
      await ok(a.url, UpdateProfile, { input: { timezone: zone } }, { token: u.token });
      people.set(zone, u);
    }
  });

  it.each(cases)('%s, slot at %s: the reminder email says %s', async (zone, startsAt, expected) => {
    const user = people.get(zone)!;
    // Slots in the past of this machine's clock are written directly; the run is told the time.
    const [slot] = await db.query<{ id: string }>(
      `INSERT INTO "Slot" (id, "startsAt", "endsAt", type) VALUES (gen_random_uuid(), $1, $1::timestamptz + interval '1 hour', 'BEHAVIORAL') RETURNING id`,
      [startsAt],
    );
    await db.query(
      `INSERT INTO "Booking" (id, "slotId", "userId", difficulty, "updatedAt") VALUES (gen_random_uuid(), $1, $2, 'EASY', now())`,
      [slot!.id, user.id],
    );
    await db.query(`DELETE FROM "EmailOutbox" WHERE "to" = $1`, [user.email]);
    const now = new Date(new Date(startsAt).getTime() - 15 * 60_000);
    expect(await a.app.services.reminders.sendDue(now)).toBe(1);
    const [mail] = await emailsTo(db, user.email);
    expect(mail!.body).toContain(`Your behavioral mock interview starts ${expected}.`);
    expect(mail!.html).toContain(`starts ${expected}.`);
  });
});

it('send-emails delivers both parts and the List-Unsubscribe headers over SMTP', async () => {
  const received: string[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  try {
    const slot = await createSlot(a.url, admin, 14);
    const u = await registerUser(a.url, 'Mailed');
    await book(a.url, u, slot.id, 'HARD');
    await a.app.services.reminders.sendDue();
    await db.query(`UPDATE "EmailOutbox" SET "sentAt" = now() WHERE "to" <> $1 OR body LIKE '%/verify-email?token=%'`, [
      u.email,
    ]);
    const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
    const sender = createEmailSender({
      db: a.app.infra.db,
      smtpUrl,
      from: 'MockMate <no-reply@mockmate.local>',
      log: a.app.infra.log,
    });
    expect(await sender.sendDue()).toEqual({ sent: 1 });
    const [raw] = received;
    expect(raw).toMatch(/^Content-Type: multipart\/alternative/im);
    expect(raw).toMatch(/^Content-Type: text\/plain/im);
    expect(raw).toMatch(/^Content-Type: text\/html/im);
    expect(raw).toMatch(/^List-Unsubscribe:\s+<https:\/\/app\.example\.test\/unsubscribe\?token=/im);
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/im);
  } finally {
    await new Promise<void>((resolve) => smtp.close(resolve));
  }
});
