// Offline notices over two real instances: MATCHED emails the users with no
// open socket on any instance (and only them), per their preferences;
// preferences are the user's own; unsubscribe links work without signing in,
// through the API's /unsubscribe and through the mutation.
import { graphql } from './generated/gql.js';
import { admitted, codes, connectWs, gql, ok, type WsConnection } from './support/client.js';
import { emailsTo, type TestDatabase } from './support/db.js';
import { book, createSlot, registerUser, type TestUser } from './support/fixtures.js';
import { startTwoInstances, type TestServer, type TwoInstances } from './support/server.js';

// Two instances and a few argon2 sign-ups: slow on a loaded machine.
const BOOT_TIMEOUT_MS = 90_000;

const Join = graphql(`
  mutation OfflineJoin($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      id
    }
  }
`);
const Pair = graphql(`
  mutation OfflinePair($slotId: ID!) {
    pairWaitingRoom(slotId: $slotId) {
      id
    }
  }
`);
const Prefs = graphql(`
  mutation OfflinePrefs($input: NotificationPreferencesInput!) {
    updateNotificationPreferences(input: $input) {
      id
      notificationPreferences {
        emailReminders
        emailWhenOffline
      }
    }
  }
`);
const MyPrefs = graphql(`
  query OfflineMyPrefs {
    me {
      notificationPreferences {
        emailReminders
        emailWhenOffline
      }
    }
  }
`);
const Unsubscribe = graphql(`
  mutation OfflineUnsubscribe($token: String!) {
    unsubscribe(token: $token) {
      emailReminders
      emailWhenOffline
    }
  }
`);
const UpdateProfile = graphql(`
  mutation OfflineProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      id
    }
  }
`);

const APP_URL = 'https://app.example.test';
let stack: TwoInstances;
let db: TestDatabase;
let a: TestServer;
let b: TestServer;
let admin: TestUser;
const sockets: WsConnection[] = [];

beforeAll(async () => {
  stack = await startTwoInstances('offline-admin@example.com', { APP_URL });
  ({ db, a, b, admin } = stack);
}, BOOT_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack.close();
}, BOOT_TIMEOUT_MS);

/** Both book and join a room; the admin pairs it on A. */
async function matchThem(x: TestUser, y: TestUser) {
  const slot = await createSlot(a.url, admin, 5);
  for (const u of [x, y])
    await ok(b.url, Join, { bookingId: (await book(b.url, u, slot.id, 'MEDIUM')).id }, { token: u.token });
  const [interview] = (await ok(a.url, Pair, { slotId: slot.id }, { token: admin.token })).pairWaitingRoom;
  return { slot, interviewId: interview!.id };
}

it('MATCHED emails the user with no open socket anywhere, in their zone, with a link to the interview; not the one connected to the other instance', async () => {
  const [online, offline] = [await registerUser(a.url, 'Ona'), await registerUser(a.url, 'Offa')];
  await ok(a.url, UpdateProfile, { input: { timezone: 'Europe/Berlin' } }, { token: offline.token });
  sockets.push(await admitted(connectWs(b.wsUrl, online.token))); // open on B; the pairing runs on A
  const { interviewId } = await matchThem(online, offline);

  expect(await emailsTo(db, online.email)).toEqual([]);
  const [mail, ...more] = await emailsTo(db, offline.email);
  expect(more).toEqual([]);
  expect(mail!.subject).toBe('You have been matched with Ona for a technical mock interview');
  expect(mail!.body).toContain(`Open the interview: ${APP_URL}/interviews/${interviewId}`);
  expect(mail!.body).toMatch(/\(Europe\/Berlin, UTC\+01:00\)/);
  expect(mail!.html).toContain(`<a href="${APP_URL}/interviews/${interviewId}">Open the interview</a>`);
  expect(mail!.headers['List-Unsubscribe']).toMatch(new RegExp(`^<${APP_URL}/unsubscribe\\?token=`));
});

it("preferences are the user's own: emailWhenOffline off sends no notice, and nobody else sees them", async () => {
  const [x, y] = [await registerUser(a.url), await registerUser(a.url)];
  const set = (await ok(b.url, Prefs, { input: { emailWhenOffline: false } }, { token: x.token }))
    .updateNotificationPreferences;
  expect(set.notificationPreferences).toEqual({ emailReminders: true, emailWhenOffline: false });
  expect(codes(await gql(b.url, Prefs, { input: { emailReminders: false } }))).toEqual(['UNAUTHENTICATED']);
  await matchThem(x, y);
  expect(await emailsTo(db, x.email)).toEqual([]);
  expect(await emailsTo(db, y.email)).toHaveLength(1);
  // Leaving a field out keeps it.
  const again = (await ok(a.url, Prefs, { input: { emailReminders: false } }, { token: x.token }))
    .updateNotificationPreferences;
  expect(again.notificationPreferences).toEqual({ emailReminders: false, emailWhenOffline: false });
});

it('the unsubscribe link works without signing in, on the API and through the mutation, and refuses a forged token', async () => {
  const [x, y] = [await registerUser(a.url), await registerUser(a.url)];
  await matchThem(x, y);
  const [mail] = await emailsTo(db, x.email);
  const link = /https:\/\/app\.example\.test\/unsubscribe\?token=([^\s"<>]+)/.exec(mail!.body)!;
  const token = decodeURIComponent(link[1]!);

  // APP_URL/unsubscribe as served by the API itself (here at B's address), one click, no token header.
  const page = await fetch(`${b.url.replace('/graphql', '')}/unsubscribe?token=${encodeURIComponent(token)}`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('You will no longer get emails while you are offline from MockMate.');
  expect((await ok(a.url, MyPrefs, {}, { token: x.token })).me!.notificationPreferences).toEqual({
    emailReminders: true,
    emailWhenOffline: false,
  });

  // RFC 8058 one-click: mail clients POST to the List-Unsubscribe URL.
  await ok(a.url, Prefs, { input: { emailWhenOffline: true } }, { token: x.token });
  const post = await fetch(`${a.url.replace('/graphql', '')}/unsubscribe?token=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  expect(post.status).toBe(200);
  expect((await ok(a.url, MyPrefs, {}, { token: x.token })).me!.notificationPreferences!.emailWhenOffline).toBe(false);

  // Or the web app calls the mutation, signed out.
  await ok(a.url, Prefs, { input: { emailWhenOffline: true } }, { token: x.token });
  expect((await ok(b.url, Unsubscribe, { token })).unsubscribe).toEqual({
    emailReminders: true,
    emailWhenOffline: false,
  });

  // A token changed by one character, or one of another user's with this user's id, is refused.
  const forged = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  expect(codes(await gql(b.url, Unsubscribe, { token: forged }))).toEqual(['BAD_USER_INPUT']);
  const [yBody] = token.split('.');
  const swapped = `${Buffer.from(`${y.id}:offline`).toString('base64url')}.${token.split('.')[1]}`;
  expect(yBody).not.toBe(swapped.split('.')[0]);
  expect(codes(await gql(b.url, Unsubscribe, { token: swapped }))).toEqual(['BAD_USER_INPUT']);
  const bad = await fetch(`${a.url.replace('/graphql', '')}/unsubscribe?token=${encodeURIComponent(forged)}`);
  expect(bad.status).toBe(400);
});
