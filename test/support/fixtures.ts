// Small builders shared by the integration tests: users, slots, bookings.
import pg from 'pg';
import { graphql } from '../generated/gql.js';
import { ok } from './client.js';

const RegisterUser = graphql(`
  mutation FixtureRegister($input: RegisterInput!) {
    register(input: $input) {
      token
      user {
        id
        name
      }
    }
  }
`);
const CreateSlot = graphql(`
  mutation FixtureCreateSlot($input: CreateSlotInput!) {
    createSlot(input: $input) {
      id
      startsAt
      endsAt
      type
    }
  }
`);
const BookSlot = graphql(`
  mutation FixtureBookSlot($input: BookSlotInput!) {
    bookSlot(input: $input) {
      id
      status
      difficulty
    }
  }
`);

let counter = 0;

export interface TestUser {
  id: string;
  name: string;
  token: string;
  email: string;
}

export async function registerUser(url: string, name = `user${++counter}`, email?: string): Promise<TestUser> {
  const address = email ?? `${name.toLowerCase()}-${++counter}-${Date.now()}@example.com`;
  const data = await ok(url, RegisterUser, { input: { email: address, password: 'password123', name } });
  return { id: data.register.user.id, name, token: data.register.token, email: address };
}

const VerifyEmail = graphql(`
  mutation FixtureVerifyEmail($token: String!) {
    verifyEmail(token: $token) {
      id
      role
    }
  }
`);

/** The token of the newest verification email sent to `email`, read from the outbox as the mail server would deliver it. */
export async function verificationToken(databaseUrl: string, email: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ body: string }>(
      `SELECT body FROM "EmailOutbox" WHERE "to" = $1 AND body LIKE '%/verify-email?token=%' ORDER BY "createdAt" DESC LIMIT 1`,
      [email.trim().toLowerCase()],
    );
    const token = /verify-email\?token=([\w-]+)/.exec(rows[0]?.body ?? '')?.[1];
    if (!token) throw new Error(`no verification email to ${email}`);
    return token;
  } finally {
    await client.end();
  }
}

/** A user who verified their address, as ADMIN_EMAILS requires for ADMIN: pass an email listed there. */
export async function registerAdmin(
  url: string,
  databaseUrl: string,
  email: string,
  name = 'Admin',
): Promise<TestUser> {
  const user = await registerUser(url, name, email);
  await verifyAdmin(url, databaseUrl, email);
  return user;
}

/** Verifies an ADMIN_EMAILS address registered by other means, so it becomes ADMIN. */
export async function verifyAdmin(url: string, databaseUrl: string, email: string): Promise<void> {
  const { verifyEmail } = await ok(url, VerifyEmail, { token: await verificationToken(databaseUrl, email) });
  if (verifyEmail.role !== 'ADMIN') throw new Error(`${email} is not in ADMIN_EMAILS`);
}

/** A slot starting `startsInMinutes` from now (rounded to the minute). */
export async function createSlot(
  url: string,
  admin: TestUser,
  startsInMinutes = 5,
  type: 'BEHAVIORAL' | 'TECHNICAL' = 'TECHNICAL',
  durationMinutes = 60,
) {
  const startsAt = new Date(Math.ceil((Date.now() + startsInMinutes * 60_000) / 60_000) * 60_000);
  const data = await ok(
    url,
    CreateSlot,
    { input: { startsAt: startsAt.toISOString(), durationMinutes, type } },
    { token: admin.token },
  );
  return data.createSlot;
}

export async function book(url: string, user: TestUser, slotId: string, difficulty: 'EASY' | 'MEDIUM' | 'HARD') {
  return (await ok(url, BookSlot, { input: { slotId, difficulty } }, { token: user.token })).bookSlot;
}

const JoinRoom = graphql(`
  mutation FixtureJoin($bookingId: ID!) {
    joinWaitingRoom(bookingId: $bookingId) {
      id
    }
  }
`);
const PairRoom = graphql(`
  mutation FixturePair($slotId: ID!) {
    pairWaitingRoom(slotId: $slotId) {
      id
      participants {
        user {
          id
        }
        role
      }
    }
  }
`);

/**
 * Matches two users into a SCHEDULED interview the way users do: a slot
 * starting in `startsInMinutes`, both book and join its room, an admin pairs it.
 */
export async function matchPair(
  url: string,
  admin: TestUser,
  a: TestUser,
  b: TestUser,
  opts: { startsInMinutes?: number; type?: 'BEHAVIORAL' | 'TECHNICAL' } = {},
) {
  const slot = await createSlot(url, admin, opts.startsInMinutes ?? 5, opts.type ?? 'TECHNICAL');
  for (const u of [a, b]) {
    const booking = await book(url, u, slot.id, 'MEDIUM');
    await ok(url, JoinRoom, { bookingId: booking.id }, { token: u.token });
  }
  const { pairWaitingRoom } = await ok(url, PairRoom, { slotId: slot.id }, { token: admin.token });
  const interview = pairWaitingRoom[0]!;
  return { slot, interviewId: interview.id, participants: interview.participants };
}
