// Profiles and time zones: updateProfile with IANA validation, who sees what,
// Slot.startsAtLocal across DST, availablePeers(type) filtering by the peers'
// interviewTypes, and bookSlot defaulting to the viewer's level.
import { canonicalTimezone, formatForHumans, toLocalIso } from '../src/domain/timezones.js';
import { graphql } from './generated/gql.js';
import { admitted, codes, connectWs, gql, ok, type WsConnection } from './support/client.js';
import { createSlot, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

const UpdateProfile = graphql(`
  mutation ProfileUpdate($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      id
      name
      timezone
      interviewTypes
      level
    }
  }
`);
const Me = graphql(`
  query ProfileMe {
    me {
      id
      timezone
      interviewTypes
      level
      notificationPreferences {
        emailReminders
        emailWhenOffline
      }
    }
  }
`);
const Peers = graphql(`
  query ProfilePeers($type: InterviewType) {
    availablePeers(type: $type) {
      id
      timezone
      interviewTypes
      level
      notificationPreferences {
        emailReminders
      }
    }
  }
`);
const SetAvailability = graphql(`
  mutation ProfileAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      id
    }
  }
`);
const Book = graphql(`
  mutation ProfileBook($input: BookSlotInput!) {
    bookSlot(input: $input) {
      id
      difficulty
    }
  }
`);
const Slots = graphql(`
  query ProfileSlots($from: DateTime, $to: DateTime, $tz: String) {
    slots(from: $from, to: $to) {
      id
      startsAt
      startsAtLocal(timezone: $tz)
      endsAtLocal(timezone: $tz)
    }
  }
`);
const SlotsMine = graphql(`
  query ProfileSlotsMine($from: DateTime, $to: DateTime) {
    slots(from: $from, to: $to) {
      id
      startsAtLocal
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let admin: TestUser;
const sockets: WsConnection[] = [];
beforeAll(async () => {
  stack = await startTestStack({ ADMIN_EMAILS: 'profile-admin@example.com' });
  admin = await registerAdmin(stack.url, stack.db.url, 'profile-admin@example.com');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack.close();
});

describe('time zone names', () => {
  it('accepts IANA names in their canonical spelling and refuses offsets, abbreviations and nonsense', () => {
    expect(canonicalTimezone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(canonicalTimezone('america/new_york')).toBe('America/New_York');
    expect(canonicalTimezone('UTC')).toBe('UTC');
    expect(canonicalTimezone('Etc/UTC')).toBe('UTC');
    expect(canonicalTimezone('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    // Kept as given where ICU's own id is an older spelling (Asia/Calcutta).
    expect(canonicalTimezone('Asia/Kolkata')).toBe('Asia/Kolkata');
    for (const bad of ['Mars/Olympus', '+01:00', 'EST', 'CET', '', 'Europe/Berlin; DROP', 'x'.repeat(100)])
      expect(canonicalTimezone(bad)).toBeNull();
  });

  it('renders local ISO times with the offset of that instant', () => {
    expect(toLocalIso(new Date('2026-03-07T14:00:00Z'), 'America/New_York')).toBe('2026-03-07T09:00:00-05:00');
    expect(toLocalIso(new Date('2026-03-09T14:00:00Z'), 'America/New_York')).toBe('2026-03-09T10:00:00-04:00');
    expect(toLocalIso(new Date('2026-10-26T14:00:00Z'), 'Europe/Berlin')).toBe('2026-10-26T15:00:00+01:00');
    expect(toLocalIso(new Date('2026-12-01T23:30:00Z'), 'Asia/Kolkata')).toBe('2026-12-02T05:00:00+05:30');
    expect(formatForHumans(new Date('2027-03-29T14:00:00Z'), 'Europe/Berlin')).toBe(
      'Monday, 29 March 2027, 16:00 (Europe/Berlin, UTC+02:00)',
    );
  });
});

it('updateProfile changes the fields given, canonicalises the zone, and refuses an invalid one', async () => {
  const u = await registerUser(stack.url, 'Pat');
  expect((await ok(stack.url, Me, {}, { token: u.token })).me).toMatchObject({
    timezone: 'UTC',
    interviewTypes: ['BEHAVIORAL', 'TECHNICAL'],
    level: null,
    notificationPreferences: { emailReminders: true, emailWhenOffline: true },
  });
  const updated = (
    await ok(
      stack.url,
      UpdateProfile,
      { input: { timezone: 'europe/berlin', interviewTypes: ['TECHNICAL'], level: 'HARD' } },
      { token: u.token },
    )
  ).updateProfile;
  expect(updated).toEqual({
    id: u.id,
    name: 'Pat',
    timezone: 'Europe/Berlin',
    interviewTypes: ['TECHNICAL'],
    level: 'HARD',
  });
  expect(
    (await ok(stack.url, UpdateProfile, { input: { name: '  Patricia ' } }, { token: u.token })).updateProfile,
  ).toMatchObject({
    name: 'Patricia',
    timezone: 'Europe/Berlin',
    level: 'HARD',
  });
  expect(
    (await ok(stack.url, UpdateProfile, { input: { level: null } }, { token: u.token })).updateProfile.level,
  ).toBeNull();

  const invalid: [Record<string, unknown>, string][] = [
    [{ timezone: 'Mars/Olympus' }, 'input.timezone'],
    [{ timezone: '+02:00' }, 'input.timezone'],
    [{ interviewTypes: [] }, 'input.interviewTypes'],
    [{ name: '' }, 'input.name'],
  ];
  for (const [input, field] of invalid) {
    const res = await gql(stack.url, UpdateProfile, { input }, { token: u.token });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.message).toContain(field);
  }
  expect((await ok(stack.url, Me, {}, { token: u.token })).me!.timezone).toBe('Europe/Berlin');
  expect(codes(await gql(stack.url, UpdateProfile, { input: { level: 'EASY' } }))).toEqual(['UNAUTHENTICATED']);
});

it('availablePeers(type) lists only peers who take that type; others see their types and level, not their zone or preferences', async () => {
  const viewer = await registerUser(stack.url, 'Viewer');
  const tech = await registerUser(stack.url, 'Tech');
  const behav = await registerUser(stack.url, 'Behav');
  const both = await registerUser(stack.url, 'Both');
  await ok(
    stack.url,
    UpdateProfile,
    { input: { interviewTypes: ['TECHNICAL'], timezone: 'Asia/Tokyo', level: 'MEDIUM' } },
    { token: tech.token },
  );
  await ok(stack.url, UpdateProfile, { input: { interviewTypes: ['BEHAVIORAL'] } }, { token: behav.token });
  for (const u of [tech, behav, both]) {
    await ok(stack.url, SetAvailability, { availability: 'AVAILABLE' }, { token: u.token });
    const c = await admitted(connectWs(stack.wsUrl, u.token));
    sockets.push(c);
  }
  const ids = async (type: 'TECHNICAL' | 'BEHAVIORAL' | null) =>
    (await ok(stack.url, Peers, { type }, { token: viewer.token })).availablePeers
      .map((p) => p.id)
      .filter((id) => [tech.id, behav.id, both.id].includes(id));
  expect(new Set(await ids('TECHNICAL'))).toEqual(new Set([tech.id, both.id]));
  expect(new Set(await ids('BEHAVIORAL'))).toEqual(new Set([behav.id, both.id]));
  expect(new Set(await ids(null))).toEqual(new Set([tech.id, behav.id, both.id]));
  const seen = (await ok(stack.url, Peers, { type: 'TECHNICAL' }, { token: viewer.token })).availablePeers.find(
    (p) => p.id === tech.id,
  );
  expect(seen).toEqual({
    id: tech.id,
    timezone: 'UTC',
    interviewTypes: ['TECHNICAL'],
    level: 'MEDIUM',
    notificationPreferences: null,
  });
});

it("bookSlot takes the viewer's level when no difficulty is given, and asks for one when there is no level", async () => {
  const u = await registerUser(stack.url);
  const [s1, s2, s3] = [
    await createSlot(stack.url, admin, 60 * 24),
    await createSlot(stack.url, admin, 60 * 26),
    await createSlot(stack.url, admin, 60 * 28),
  ];
  const none = await gql(stack.url, Book, { input: { slotId: s1.id } }, { token: u.token });
  expect(codes(none)).toEqual(['BAD_USER_INPUT']);
  expect(none.errors![0]!.message).toMatch(/^input\.difficulty: /);
  await ok(stack.url, UpdateProfile, { input: { level: 'HARD' } }, { token: u.token });
  expect((await ok(stack.url, Book, { input: { slotId: s2.id } }, { token: u.token })).bookSlot.difficulty).toBe(
    'HARD',
  );
  expect(
    (await ok(stack.url, Book, { input: { slotId: s3.id, difficulty: 'EASY' } }, { token: u.token })).bookSlot
      .difficulty,
  ).toBe('EASY');
});

it("Slot.startsAtLocal shows the offset of each side of the 2026 and 2027 DST changes, in the zone asked or the viewer's", async () => {
  const starts = ['2026-03-07T14:00:00Z', '2026-03-09T14:00:00Z', '2027-10-30T14:00:00Z', '2027-11-01T14:00:00Z'];
  for (const s of starts) {
    await stack.db.query(
      `INSERT INTO "Slot" (id, "startsAt", "endsAt", type) VALUES (gen_random_uuid(), $1, $1::timestamptz + interval '1 hour', 'TECHNICAL')`,
      [s],
    );
  }
  const local = async (from: string, to: string, tz: string | null, token?: string) =>
    (await ok(stack.url, Slots, { from, to, tz }, { token })).slots.map((s) => [s.startsAtLocal, s.endsAtLocal]);
  expect(await local('2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z', 'America/New_York')).toEqual([
    ['2026-03-07T09:00:00-05:00', '2026-03-07T10:00:00-05:00'],
    ['2026-03-09T10:00:00-04:00', '2026-03-09T11:00:00-04:00'],
  ]);
  expect(await local('2027-10-30T00:00:00Z', '2027-11-02T00:00:00Z', 'Europe/Berlin')).toEqual([
    ['2027-10-30T16:00:00+02:00', '2027-10-30T17:00:00+02:00'],
    ['2027-11-01T15:00:00+01:00', '2027-11-01T16:00:00+01:00'],
  ]);
  // Without `timezone`: UTC signed out, the viewer's zone signed in.
  expect((await local('2026-03-07T00:00:00Z', '2026-03-08T00:00:00Z', null))[0]![0]).toBe('2026-03-07T14:00:00+00:00');
  const ny = await registerUser(stack.url);
  await ok(stack.url, UpdateProfile, { input: { timezone: 'America/New_York' } }, { token: ny.token });
  const mine = await ok(
    stack.url,
    SlotsMine,
    { from: '2026-03-07T00:00:00Z', to: '2026-03-10T00:00:00Z' },
    { token: ny.token },
  );
  expect(mine.slots.map((s) => s.startsAtLocal)).toEqual(['2026-03-07T09:00:00-05:00', '2026-03-09T10:00:00-04:00']);
  const bad = await gql(stack.url, Slots, {
    from: '2026-03-07T00:00:00Z',
    to: '2026-03-08T00:00:00Z',
    tz: 'Nowhere/Land',
  });
  expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
});
