// docs/clients.md's set-ups, run against real servers: the code in the page is
// docs/examples/*.ts, urql's set-up signs in and streams events, and Apollo
// Client 4 (PersistedQueryLink, GraphQLWsLink, a default InMemoryCache) runs
// the whole flow on two instances with no cache warnings, reading typed event
// data without casts, then the history page.
import fs from 'node:fs';
import { loadDevMessages, loadErrorMessages } from '@apollo/client/dev';
import WebSocket from 'ws';
import {
  BookSlotDocument,
  CreateSlotDocument,
  EndInterviewDocument,
  InterviewHistoryDocument,
  InterviewSessionDocument,
  JoinWaitingRoomDocument,
  MyBookingsDocument,
  PairWaitingRoomDocument,
  SendMessageDocument,
  SetAvailabilityDocument,
  StartInterviewDocument,
  SubmitFeedbackDocument,
  SwapRolesDocument,
  WaitingRoomDocument,
  type Tokens,
  type UserEvent,
} from '../client/index.js';
import { createApolloClient } from '../docs/examples/apollo.js';
import { createUrqlSetup } from '../docs/examples/urql.js';
import { startServer, startTestStack, type TestServer } from './support/server.js';
import { verifyAdmin } from './support/fixtures.js';

loadDevMessages();
loadErrorMessages();

let stack: Awaited<ReturnType<typeof startTestStack>>;
let second: TestServer;
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  stack = await startTestStack({ ADMIN_EMAILS: 'docs-admin@example.com' });
  second = await startServer(stack.env);
});
afterAll(async () => {
  for (const c of cleanups) await c();
  await second.app.stop();
  await stack.close();
});

it('docs/clients.md shows exactly the example files the tests run', () => {
  const page = fs.readFileSync('docs/clients.md', 'utf8');
  const blocks = [...page.matchAll(/<!-- file: (\S+) -->\n```ts\n([\s\S]*?)```/g)];
  expect(blocks.map((b) => b[1])).toEqual(['docs/examples/urql.ts', 'docs/examples/apollo.ts']);
  for (const [, file, code] of blocks) expect(code).toBe(fs.readFileSync(file!, 'utf8'));
});

/** Events as they arrive, awaited by type. */
function eventLog() {
  const seen: UserEvent[] = [];
  const waiters: { type: string; resolve: (e: UserEvent) => void }[] = [];
  return {
    seen,
    push: (e: UserEvent) => {
      seen.push(e);
      for (const w of waiters.filter((w) => w.type === e.type)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    },
    next(type: string, timeoutMs = 10_000) {
      const found = seen.find((e) => e.type === type);
      if (found) return Promise.resolve(found);
      return new Promise<UserEvent>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} event`)), timeoutMs);
        waiters.push({ type, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
}

async function register(url: string, email: string, name: string): Promise<Tokens & { userId: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($input: RegisterInput!) { register(input: $input) { token refreshToken user { id } } }',
      variables: { input: { email, password: 'password123', name } },
    }),
  });
  const { data } = (await res.json()) as { data: { register: Tokens & { user: { id: string } } } };
  return { token: data.register.token, refreshToken: data.register.refreshToken, userId: data.register.user.id };
}

it('urql: the documented set-up signs in, queries and streams events', async () => {
  const events = eventLog();
  const setup = createUrqlSetup({ url: stack.url, webSocketImpl: WebSocket, onEvent: events.push });
  cleanups.push(() => setup.dispose());
  const { userId, ...tokens } = await register(stack.url, `docs-urql-${Date.now()}@example.com`, 'Uma');
  const connected = new Promise<void>((resolve) => setup.api.ws.on('connected', () => resolve()));
  setup.signedIn(tokens);
  expect((await setup.me()).data?.me?.id).toBe(userId);
  await connected;
  await setup.api.urql.mutation(SetAvailabilityDocument, { availability: 'BUSY' }).toPromise();
  const changed = await events.next('AVAILABILITY_CHANGED');
  expect(changed.data?.__typename === 'AvailabilityData' && changed.data.availability).toBe('BUSY');
});

it('Apollo Client 4: the whole flow on two instances, typed event data, no cache warnings, then the history page', async () => {
  const warnings: string[] = [];
  const original = { warn: console.warn, error: console.error };
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  console.error = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  try {
    const users = await Promise.all(
      [
        ['docs-admin@example.com', 'Admin', stack],
        [`docs-ada-${Date.now()}@example.com`, 'Ada', stack],
        [`docs-bob-${Date.now()}@example.com`, 'Bob', second],
      ].map(async ([email, name, server]) => {
        const url = (server as TestServer).url;
        const start = await register(url, email as string, name as string);
        let tokens: Tokens | null = start;
        const api = createApolloClient({
          url,
          wsUrl: (server as TestServer).wsUrl,
          tokens: { get: () => tokens, set: (t) => (tokens = t) },
          webSocketImpl: WebSocket,
        });
        cleanups.push(
          () => api.dispose(),
          () => api.client.stop(),
        );
        const events = eventLog();
        // Listened for before subscribing: 'connected' fires once, maybe before the set-up below ends.
        const connected = new Promise<void>((resolve) => api.ws.on('connected', () => resolve()));
        return { api, client: api.client, id: start.userId, events, connected, stop: api.subscribeEvents(events.push) };
      }),
    );
    const [admin, ada, bob] = users as [(typeof users)[number], (typeof users)[number], (typeof users)[number]];
    // ADMIN_EMAILS applies once the address is verified (through its emailed token).
    await verifyAdmin(stack.url, stack.db.url, 'docs-admin@example.com');
    // Both sockets are up before anything happens that they should hear.
    await Promise.all([ada.connected, bob.connected]);

    const startsAt = new Date(Math.ceil((Date.now() + 5 * 60_000) / 60_000) * 60_000).toISOString();
    const { data: created } = await admin.client.mutate({
      mutation: CreateSlotDocument,
      variables: { input: { startsAt, durationMinutes: 60, type: 'TECHNICAL' } },
    });
    const slotId = created!.createSlot.id;
    for (const u of [ada, bob]) {
      const { data: booked } = await u.client.mutate({
        mutation: BookSlotDocument,
        variables: { input: { slotId, difficulty: 'MEDIUM' } },
      });
      await u.client.query({ query: MyBookingsDocument, fetchPolicy: 'network-only' });
      await u.client.query({ query: WaitingRoomDocument, variables: { slotId }, fetchPolicy: 'network-only' });
      await u.client.mutate({ mutation: JoinWaitingRoomDocument, variables: { bookingId: booked!.bookSlot.id } });
      const { data: room } = await u.client.query({
        query: WaitingRoomDocument,
        variables: { slotId },
        fetchPolicy: 'network-only',
      });
      expect(room!.waitingRoom.id).toBe(slotId);
    }
    const { data: paired } = await admin.client.mutate({ mutation: PairWaitingRoomDocument, variables: { slotId } });
    const interviewId = paired!.pairWaitingRoom[0]!.id;

    const matched = await bob.events.next('MATCHED');
    // Typed, no casts: narrowing on __typename gives MatchedData's fields.
    if (matched.data?.__typename !== 'MatchedData') throw new Error(`MATCHED came with ${matched.data?.__typename}`);
    expect(matched.data.peerId).toBe(ada.id);
    expect(['INTERVIEWER', 'INTERVIEWEE']).toContain(matched.data.role);
    expect(matched.interview?.id).toBe(interviewId);

    await ada.client.mutate({ mutation: StartInterviewDocument, variables: { interviewId } });
    const { data: sent } = await ada.client.mutate({
      mutation: SendMessageDocument,
      variables: { interviewId, body: 'Hi Bob' },
    });
    const message = await bob.events.next('MESSAGE_SENT');
    if (message.data?.__typename !== 'MessageData')
      throw new Error(`MESSAGE_SENT came with ${message.data?.__typename}`);
    expect(message.data.messageId).toBe(sent!.sendMessage.id);
    expect(message.data.senderId).toBe(ada.id);
    expect(message.message?.body).toBe('Hi Bob');

    for (const u of [ada, bob])
      await u.client.query({
        query: InterviewSessionDocument,
        variables: { id: interviewId },
        fetchPolicy: 'network-only',
      });
    await bob.client.mutate({ mutation: SwapRolesDocument, variables: { interviewId } });
    await ada.client.query({
      query: InterviewSessionDocument,
      variables: { id: interviewId },
      fetchPolicy: 'network-only',
    });
    await bob.client.mutate({ mutation: EndInterviewDocument, variables: { interviewId } });
    await ada.client.mutate({
      mutation: SubmitFeedbackDocument,
      variables: {
        input: { interviewId, communication: 5, technical: 4, goodMatch: 5, strengths: 'Clear', improvements: 'Tests' },
      },
    });
    const feedback = await bob.events.next('FEEDBACK_RECEIVED');
    if (feedback.data?.__typename !== 'FeedbackReceivedData')
      throw new Error(`FEEDBACK_RECEIVED came with ${feedback.data?.__typename}`);
    expect(feedback.data.fromUserId).toBe(ada.id);
    await bob.client.mutate({
      mutation: SubmitFeedbackDocument,
      variables: { input: { interviewId, communication: 4, goodMatch: 4 } },
    });

    for (const u of [ada, bob]) {
      const { data } = await u.client.query({
        query: InterviewHistoryDocument,
        variables: { first: 10 },
        fetchPolicy: 'network-only',
      });
      const node = data!.myInterviews.edges[0]!.node;
      expect(node).toMatchObject({ id: interviewId, status: 'COMPLETED' });
      expect(node.participants.map((p) => p.user.id).sort()).toEqual([ada.id, bob.id].sort());
      expect(node.messages.edges.map((e) => e.node.body)).toEqual(['Hi Bob']);
      expect(node.feedback.length).toBe(2);
      await u.client.query({
        query: InterviewSessionDocument,
        variables: { id: interviewId },
        fetchPolicy: 'network-only',
      });
    }
    expect(warnings).toEqual([]);
  } finally {
    Object.assign(console, original);
  }
}, 60_000);
