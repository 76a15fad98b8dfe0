// `me` answers from a per-instance copy of the user's row (UserRows). A change
// made through any service shows on the next `me` on the instance that made it,
// and on every other instance before any event about the change arrives there.
import { Prisma } from '../src/generated/prisma/client.js';
import { USER_ROW_COLUMNS } from '../src/services/user-rows.js';
import { graphql } from './generated/gql.js';
import { admitted, connectWs, ok, subscribe, type WsConnection } from './support/client.js';
import { registerUser, verificationToken, type TestUser } from './support/fixtures.js';
import { startTwoInstances, type TwoInstances } from './support/server.js';

const Me = graphql(`
  query UserRowsMe {
    me {
      id
      name
      role
      availability
      emailVerified
      timezone
      notificationPreferences {
        emailReminders
      }
    }
  }
`);
const Rename = graphql(`
  mutation UserRowsRename($name: String!) {
    updateProfile(input: { name: $name }) {
      id
    }
  }
`);
const Preferences = graphql(`
  mutation UserRowsPreferences($on: Boolean!) {
    updateNotificationPreferences(input: { emailReminders: $on }) {
      id
    }
  }
`);
const SetAvailability = graphql(`
  mutation UserRowsAvailability($availability: Availability!) {
    setAvailability(availability: $availability) {
      id
    }
  }
`);
const Verify = graphql(`
  mutation UserRowsVerify($token: String!) {
    verifyEmail(token: $token) {
      id
    }
  }
`);
const Events = graphql(`
  subscription UserRowsEvents {
    events {
      type
    }
  }
`);

it('a UserRow is every column of User but the password hash and the event cursor', () => {
  const all = Object.keys(Prisma.UserScalarFieldEnum).sort();
  expect([...USER_ROW_COLUMNS, 'passwordHash', 'eventSeq'].sort()).toEqual(all);
});

describe('over two instances', () => {
  let two: TwoInstances;
  const sockets: WsConnection[] = [];
  beforeAll(async () => {
    two = await startTwoInstances('user-rows-admin@example.com');
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await two.close();
  });

  const me = async (url: string, user: TestUser) => (await ok(url, Me, {}, { token: user.token })).me!;

  it('shows every change made through a service on the next `me` of the same instance', async () => {
    const user = await registerUser(two.a.url, 'Rowan');
    expect(await me(two.a.url, user)).toMatchObject({ name: 'Rowan', emailVerified: false });
    await ok(two.a.url, Rename, { name: 'Rowena' }, { token: user.token });
    expect((await me(two.a.url, user)).name).toBe('Rowena');
    await ok(two.a.url, Preferences, { on: false }, { token: user.token });
    expect((await me(two.a.url, user)).notificationPreferences?.emailReminders).toBe(false);
    await ok(two.a.url, SetAvailability, { availability: 'AVAILABLE' }, { token: user.token });
    expect((await me(two.a.url, user)).availability).toBe('AVAILABLE');
    await ok(two.a.url, Verify, { token: await verificationToken(two.db.url, user.email) });
    expect((await me(two.a.url, user)).emailVerified).toBe(true);
  });

  it('another instance drops its copy before it relays an event about the change', async () => {
    const user = await registerUser(two.a.url, 'Blake');
    const conn = connectWs(two.b.wsUrl, user.token);
    sockets.push(conn);
    const events = subscribe(await admitted(conn), Events);
    expect(await me(two.b.url, user)).toMatchObject({ name: 'Blake', availability: 'OFFLINE' });

    // A write behind the services' back announces nothing: B keeps answering from its copy.
    await two.db.query(`UPDATE "User" SET name = 'Unannounced' WHERE id = $1`, [user.id]);
    expect((await me(two.b.url, user)).name).toBe('Blake');

    await ok(two.a.url, SetAvailability, { availability: 'AVAILABLE' }, { token: user.token });
    let event = await events.next();
    while (event.data?.events.type !== 'AVAILABILITY_CHANGED') event = await events.next();
    // B read the row again: the availability A changed, and the name written behind its back.
    expect(await me(two.b.url, user)).toMatchObject({ name: 'Unannounced', availability: 'AVAILABLE' });
    events.stop();
  });
});
