// `data: EventData` on UserEvent and SessionEvent: every stored and live event
// of a whole interview (and an instant request) carries its typed payload, with
// the same values as the deprecated untyped `payload`.
import { isDeepStrictEqual } from 'node:util';
import { graphql } from './generated/gql.js';
import { connectWs, ok, subscribe, type Subscription, type WsConnection } from './support/client.js';
import { matchPair, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

// Every member, every field: one selection set covering the whole union must validate.
graphql(`
  fragment EventDataEveryField on EventData {
    __typename
    ... on MatchedData {
      slotId
      peerId
      role
    }
    ... on MatchCancelledData {
      slotId
      reason
      byUserId
      noShowUserIds
    }
    ... on SessionStartedData {
      startedAt
    }
    ... on SessionEndedData {
      endedAt
      reason
    }
    ... on RolesSwappedData {
      roles {
        userId
        role
      }
    }
    ... on UserData {
      userId
    }
    ... on TypingStoppedData {
      userId
      reason
    }
    ... on FeedbackReceivedData {
      feedbackId
      fromUserId
    }
    ... on MessageData {
      messageId
      senderId
      editedAt
      deletedAt
    }
    ... on MessagesReadData {
      userId
      upToMessageId
      readAt
    }
    ... on InstantRequestReceivedData {
      requestId
      fromUserId
      type
      difficulty
      expiresAt
    }
    ... on InstantRequestAnsweredData {
      requestId
      byUserId
      reason
    }
    ... on InstantRequestExpiredData {
      requestId
    }
    ... on AvailabilityData {
      userId
      availability
    }
    ... on ServerShutdownData {
      reconnect
    }
  }
`);
const Stored = graphql(`
  query EventDataStored {
    notifications(first: 100) {
      edges {
        node {
          id
          type
          payload
          data {
            ...EventDataEveryField
          }
        }
      }
    }
  }
`);
const Live = graphql(`
  subscription EventDataLive($id: ID!) {
    interviewSession(interviewId: $id) {
      type
      payload
      data {
        ...EventDataEveryField
      }
    }
  }
`);
const Ping = graphql(`
  query EventDataPing {
    __typename
  }
`);
const Start = graphql(`
  mutation EventDataStart($id: ID!) {
    startInterview(interviewId: $id) {
      id
    }
  }
`);
const Swap = graphql(`
  mutation EventDataSwap($id: ID!) {
    swapRoles(interviewId: $id) {
      id
    }
  }
`);
const End = graphql(`
  mutation EventDataEnd($id: ID!) {
    endInterview(interviewId: $id) {
      id
    }
  }
`);
const Send = graphql(`
  mutation EventDataSend($id: ID!, $body: String!) {
    sendMessage(interviewId: $id, body: $body) {
      id
    }
  }
`);
const Edit = graphql(`
  mutation EventDataEdit($id: ID!, $body: String!) {
    editMessage(messageId: $id, body: $body) {
      id
    }
  }
`);
const Delete = graphql(`
  mutation EventDataDelete($id: ID!) {
    deleteMessage(messageId: $id) {
      id
    }
  }
`);
const Read = graphql(`
  mutation EventDataRead($id: ID!, $upTo: ID!) {
    markMessagesRead(interviewId: $id, upToMessageId: $upTo)
  }
`);
const Typing = graphql(`
  mutation EventDataTyping($id: ID!, $typing: Boolean!) {
    setTyping(interviewId: $id, typing: $typing)
  }
`);
const Feedback = graphql(`
  mutation EventDataFeedback($input: SubmitFeedbackInput!) {
    submitFeedback(input: $input) {
      id
    }
  }
`);
const Ask = graphql(`
  mutation EventDataAsk($input: InstantInterviewInput!) {
    requestInstantInterview(input: $input) {
      id
    }
  }
`);
const Answer = graphql(`
  mutation EventDataAnswer($id: ID!, $accept: Boolean!, $reason: String) {
    respondToInstantRequest(requestId: $id, accept: $accept, reason: $reason) {
      id
    }
  }
`);
const Availability = graphql(`
  mutation EventDataAvailability($a: Availability!) {
    setAvailability(availability: $a) {
      id
    }
  }
`);

/** The `…Data` type each event type's payload must come as (null: the event carries nothing). */
const EXPECTED: Record<string, string | null> = {
  MATCHED: 'MatchedData',
  SESSION_STARTED: 'SessionStartedData',
  SESSION_ENDED: 'SessionEndedData',
  ROLES_SWAPPED: 'RolesSwappedData',
  PEER_JOINED: 'UserData',
  FEEDBACK_RECEIVED: 'FeedbackReceivedData',
  MESSAGE_SENT: 'MessageData',
  MESSAGE_EDITED: 'MessageData',
  MESSAGE_DELETED: 'MessageData',
  MESSAGES_READ: 'MessagesReadData',
  TYPING_STARTED: 'UserData',
  TYPING_STOPPED: 'TypingStoppedData',
  INSTANT_REQUEST_RECEIVED: 'InstantRequestReceivedData',
  INSTANT_REQUEST_REJECTED: 'InstantRequestAnsweredData',
  AVAILABILITY_CHANGED: 'AvailabilityData',
  USER_ONLINE: 'UserData',
  USER_OFFLINE: 'UserData',
};

let stack: Awaited<ReturnType<typeof startTestStack>>;
let admin: TestUser;
const sockets: WsConnection[] = [];
beforeAll(async () => {
  stack = await startTestStack({ ADMIN_EMAILS: 'event-data-admin@example.com' });
  admin = await registerAdmin(stack.url, stack.db.url, 'event-data-admin@example.com');
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack.close();
});

const ws = (user: TestUser) => {
  const c = connectWs(stack.wsUrl, user.token);
  sockets.push(c);
  return c;
};

/** Same instant whatever the notation (the payload keeps the text as written). */
const same = (a: unknown, b: unknown) =>
  typeof a === 'string' && typeof b === 'string' && !Number.isNaN(Date.parse(a)) && /T\d\d:/.test(a)
    ? Date.parse(a) === Date.parse(b)
    : isDeepStrictEqual(a, b);

/** `data` is the expected member and holds every value of the untyped payload. */
function expectTyped(event: { type: string; payload: unknown; data?: { __typename?: string } | null }) {
  expect({ type: event.type, data: event.data?.__typename ?? null }).toEqual({
    type: event.type,
    data: EXPECTED[event.type],
  });
  for (const [key, value] of Object.entries(event.payload as Record<string, unknown>)) {
    const typed = (event.data as Record<string, unknown>)[key];
    if (!same(typed, value))
      throw new Error(`${event.type}.data.${key} is ${JSON.stringify(typed)}, payload has ${JSON.stringify(value)}`);
  }
}

async function collectUntil<T extends { interviewSession: { type: string } }>(sub: Subscription<T>, last: string) {
  const seen: T['interviewSession'][] = [];
  for (;;) {
    const r = await sub.next();
    if (r.errors?.length) throw new Error(JSON.stringify(r.errors));
    seen.push(r.data!.interviewSession);
    if (r.data!.interviewSession.type === last) return seen;
  }
}

it('every stored and live event of an interview and an instant request has typed data equal to its payload', async () => {
  const [a, b] = [await registerUser(stack.url, 'Ada'), await registerUser(stack.url, 'Bob')];
  const { interviewId } = await matchPair(stack.url, admin, a, b);

  const [connA, connB] = [ws(a), ws(b)];
  const liveA = subscribe(connA, Live, { id: interviewId });
  await subscribe(connA, Ping).next();
  const liveB = subscribe(connB, Live, { id: interviewId });
  await subscribe(connB, Ping).next();

  await ok(stack.url, Start, { id: interviewId }, { token: a.token });
  const { sendMessage } = await ok(stack.url, Send, { id: interviewId, body: 'hello' }, { token: a.token });
  await ok(stack.url, Edit, { id: sendMessage.id, body: 'hello there' }, { token: a.token });
  await ok(stack.url, Read, { id: interviewId, upTo: sendMessage.id }, { token: b.token });
  await ok(stack.url, Delete, { id: sendMessage.id }, { token: a.token });
  await ok(stack.url, Typing, { id: interviewId, typing: true }, { token: b.token });
  await ok(stack.url, Typing, { id: interviewId, typing: false }, { token: b.token });
  await ok(stack.url, Swap, { id: interviewId }, { token: b.token });
  await ok(stack.url, End, { id: interviewId }, { token: a.token });
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    await ok(
      stack.url,
      Feedback,
      { input: { interviewId, communication: 4, goodMatch: 5, strengths: `${to.name} listens` } },
      { token: from.token },
    );
  }
  await ok(stack.url, Availability, { a: 'AVAILABLE' }, { token: b.token });
  const { requestInstantInterview } = await ok(
    stack.url,
    Ask,
    { input: { peerId: b.id, type: 'BEHAVIORAL', difficulty: 'EASY' } },
    { token: a.token },
  );
  await ok(stack.url, Answer, { id: requestInstantInterview.id, accept: false, reason: 'Lunch' }, { token: b.token });
  await ok(stack.url, Availability, { a: 'BUSY' }, { token: b.token });

  const live = await collectUntil(liveA, 'SESSION_ENDED');
  expect(live.map((e) => e.type)).toEqual(
    expect.arrayContaining([
      'SESSION_STARTED',
      'MESSAGE_SENT',
      'MESSAGE_EDITED',
      'MESSAGES_READ',
      'MESSAGE_DELETED',
      'TYPING_STARTED',
      'TYPING_STOPPED',
      'ROLES_SWAPPED',
    ]),
  );
  live.forEach(expectTyped);
  (await collectUntil(liveB, 'SESSION_ENDED')).forEach(expectTyped);

  const stored = [a, b].flatMap(async (u) =>
    (await ok(stack.url, Stored, {}, { token: u.token })).notifications.edges.map((e) => e.node),
  );
  const events = (await Promise.all(stored)).flat();
  expect(events.map((e) => e.type)).toEqual(
    expect.arrayContaining([
      'MATCHED',
      'PEER_JOINED',
      'SESSION_STARTED',
      'MESSAGE_SENT',
      'SESSION_ENDED',
      'FEEDBACK_RECEIVED',
      'INSTANT_REQUEST_RECEIVED',
      'INSTANT_REQUEST_REJECTED',
      'AVAILABILITY_CHANGED',
    ]),
  );
  events.forEach(expectTyped);
  const matched = events.find((e) => e.type === 'MATCHED')!.data;
  expect(matched).toMatchObject({
    __typename: 'MatchedData',
    peerId: expect.any(String),
    role: expect.stringMatching(/^INTERVIEW(ER|EE)$/),
  });
});
