// Chat in an interview, end to end over real PostgreSQL, Redis and graphql-ws:
// both participants' views, a third user, admins, signed-out callers.
import type { SessionEventMessage } from '../src/domain/events.js';
import { watchKey } from '../src/services/interviews.js';
import { graphql } from './generated/gql.js';
import { codes, connectWs, gql, ok, subscribe, type Subscription, type WsConnection } from './support/client.js';
import { matchPair, registerAdmin, registerUser, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

const Send = graphql(`
  mutation ChatSend($interviewId: ID!, $body: String!) {
    sendMessage(interviewId: $interviewId, body: $body) {
      id
      body
      deleted
      createdAt
      editedAt
      deletedAt
      sender {
        id
      }
      interview {
        id
      }
    }
  }
`);
const Edit = graphql(`
  mutation ChatEdit($messageId: ID!, $body: String!) {
    editMessage(messageId: $messageId, body: $body) {
      id
      body
      deleted
      editedAt
    }
  }
`);
const Delete = graphql(`
  mutation ChatDelete($messageId: ID!) {
    deleteMessage(messageId: $messageId) {
      id
      body
      deleted
      deletedAt
      editedAt
    }
  }
`);
const MarkRead = graphql(`
  mutation ChatMarkRead($interviewId: ID!, $upToMessageId: ID!) {
    markMessagesRead(interviewId: $interviewId, upToMessageId: $upToMessageId)
  }
`);
const Typing = graphql(`
  mutation ChatTyping($interviewId: ID!, $typing: Boolean!) {
    setTyping(interviewId: $interviewId, typing: $typing)
  }
`);
const Chat = graphql(`
  query ChatPage($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    interview(id: $id) {
      id
      unreadMessageCount
      readReceipts {
        user {
          id
        }
        lastReadMessageId
        lastReadMessage {
          id
          body
        }
        readAt
      }
      messages(first: $first, after: $after, last: $last, before: $before) {
        edges {
          cursor
          node {
            id
            body
            deleted
            editedAt
            deletedAt
            sender {
              id
            }
          }
        }
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
      }
    }
  }
`);
graphql(`
  fragment ChatEventMessage on Message {
    id
    body
    deleted
    editedAt
    sender {
      id
    }
  }
`);
const ChatEvents = graphql(`
  subscription ChatEvents($after: String) {
    events(after: $after) {
      id
      type
      payload
      interview {
        id
      }
      message {
        ...ChatEventMessage
      }
    }
  }
`);
const ChatSession = graphql(`
  subscription ChatSession($interviewId: ID!) {
    interviewSession(interviewId: $interviewId) {
      type
      at
      actor {
        id
      }
      payload
      interview {
        id
      }
      message {
        ...ChatEventMessage
      }
    }
  }
`);
const ChatNotifications = graphql(`
  query ChatNotifications {
    notifications(first: 100) {
      edges {
        node {
          type
        }
      }
    }
  }
`);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let admin: TestUser;
const sockets: WsConnection[] = [];
const closers: (() => void)[] = [];

beforeAll(async () => {
  stack = await startTestStack({ ADMIN_EMAILS: 'chat-admin@example.com' });
  admin = await registerAdmin(stack.url, stack.db.url, 'chat-admin@example.com');
});
afterAll(async () => {
  closers.forEach((c) => c());
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack.close();
});

/** Two users matched into a SCHEDULED interview, and a third who is not in it. */
async function pair() {
  const [a, b, c] = [
    await registerUser(stack.url, 'Ann'),
    await registerUser(stack.url, 'Bob'),
    await registerUser(stack.url, 'Cy'),
  ];
  const { interviewId } = await matchPair(stack.url, admin, a, b);
  return { a, b, c, interviewId };
}

/** What chat publishes; other features' events (presence, lifecycle) on the same streams are skipped. */
const CHAT_EVENTS = new Set([
  'MESSAGE_SENT',
  'MESSAGE_EDITED',
  'MESSAGE_DELETED',
  'MESSAGES_READ',
  'TYPING_STARTED',
  'TYPING_STOPPED',
]);

/** Chat events from a subscription (`pick` finds the event in a result); the others are skipped. */
function chatEvents<T, E extends { type: string }>(sub: Subscription<T>, pick: (data: T) => E) {
  const buffer: E[] = [];
  const take = async (timeoutMs?: number) => {
    const r = await sub.next(timeoutMs);
    if (r.errors?.length) throw new Error(JSON.stringify(r.errors));
    return pick(r.data!);
  };
  return {
    /** The next event of any kind. */
    take,
    async next(timeoutMs?: number): Promise<E> {
      for (;;) {
        const buffered = buffer.shift();
        if (buffered) return buffered;
        const e = await take(timeoutMs);
        if (CHAT_EVENTS.has(e.type)) return e;
      }
    },
    /** Chat events received but not yet taken. */
    async pending() {
      while (sub.pending() > 0) {
        const e = await take();
        if (CHAT_EVENTS.has(e.type)) buffer.push(e);
      }
      return buffer.length;
    },
  };
}

/** The chat events in a user's stored event stream, replayed from the start. */
async function eventsOf(user: TestUser) {
  const conn = connectWs(stack.wsUrl, user.token);
  sockets.push(conn);
  const sub = subscribe(conn, ChatEvents, { after: '0' });
  closers.push(() => sub.stop());
  const stream = chatEvents(sub, (d) => d.events);
  // The stream is live once its replay (MATCHED at least) has arrived.
  await stream.take();
  return stream;
}

/**
 * The chat events published on the interview's session channel, read straight
 * from pub/sub in-process: a view of the channel itself that does not count as
 * showing up.
 */
async function channelOf(interviewId: string) {
  const stream = await stack.app.services.events.sessionStream(interviewId);
  closers.push(() => void stream.return?.());
  const queue: SessionEventMessage[] = [];
  const waiting: { fn: ((e: SessionEventMessage) => void) | null } = { fn: null };
  void (async () => {
    for await (const e of stream) {
      if (!CHAT_EVENTS.has(e.type)) continue;
      const w = waiting.fn;
      waiting.fn = null;
      if (w) w(e);
      else queue.push(e);
    }
  })();
  return {
    next(timeoutMs = 5_000): Promise<SessionEventMessage> {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.fn = null;
          reject(new Error(`no session event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.fn = (e) => {
          clearTimeout(timer);
          resolve(e);
        };
      });
    },
    pending: () => queue.length,
  };
}

/** A participant's `interviewSession` subscription; only chat events are handed out. */
function sessionSub(user: TestUser, interviewId: string) {
  const conn = connectWs(stack.wsUrl, user.token);
  sockets.push(conn);
  const sub = subscribe(conn, ChatSession, { interviewId });
  closers.push(() => sub.stop());
  return chatEvents(sub, (d) => d.interviewSession);
}

/**
 * Both participants watching the session, both subscriptions live: A watches
 * first; B's PEER_JOINED reaching A proves A is live, and B's subscription was
 * listening before its PEER_JOINED went out.
 */
async function sessionsOf(a: TestUser, b: TestUser, interviewId: string) {
  const aSession = sessionSub(a, interviewId);
  const watchers = () => stack.app.infra.presence.count(watchKey(interviewId, a.id));
  for (let i = 0; (await watchers()) < 1; i++) {
    if (i > 200) throw new Error('A never started watching');
    await new Promise((r) => setTimeout(r, 10));
  }
  const bSession = sessionSub(b, interviewId);
  const joined = await aSession.take();
  expect(joined).toMatchObject({ type: 'PEER_JOINED', actor: { id: b.id } });
  return [aSession, bSession] as const;
}

const as = (user: TestUser) => ({ token: user.token });

describe('sending, editing, deleting, reading: both participants', () => {
  it('both watch every change on interviewSession; the peer also gets it in their event stream, the author nothing stored', async () => {
    const { a, b, interviewId } = await pair();
    const [aEvents, bEvents] = [await eventsOf(a), await eventsOf(b)];
    const [aSession, bSession] = await sessionsOf(a, b, interviewId);
    /** The next chat event on the session, which both participants see alike. */
    const session = {
      async next() {
        const [seenByA, seenByB] = [await aSession.next(), await bSession.next()];
        expect(seenByB).toEqual(seenByA);
        return seenByA;
      },
      pending: async () => (await aSession.pending()) + (await bSession.pending()),
    };

    const sent = (await ok(stack.url, Send, { interviewId, body: '  hello Bob  ' }, as(a))).sendMessage;
    expect(sent).toMatchObject({
      body: 'hello Bob',
      deleted: false,
      editedAt: null,
      deletedAt: null,
      sender: { id: a.id },
      interview: { id: interviewId },
    });
    expect(await session.next()).toEqual({
      type: 'MESSAGE_SENT',
      at: expect.any(String),
      actor: { id: a.id },
      interview: { id: interviewId },
      payload: { messageId: sent.id, senderId: a.id },
      message: { id: sent.id, body: 'hello Bob', deleted: false, editedAt: null, sender: { id: a.id } },
    });
    const bGot = await bEvents.next();
    expect(bGot).toMatchObject({
      type: 'MESSAGE_SENT',
      interview: { id: interviewId },
      payload: { messageId: sent.id, senderId: a.id },
    });
    expect(bGot.message).toEqual({
      id: sent.id,
      body: 'hello Bob',
      deleted: false,
      editedAt: null,
      sender: { id: a.id },
    });

    const reply = (await ok(stack.url, Send, { interviewId, body: 'hi Ann' }, as(b))).sendMessage;
    expect(await session.next()).toMatchObject({
      type: 'MESSAGE_SENT',
      actor: { id: b.id },
      payload: { messageId: reply.id },
      message: { body: 'hi Ann' },
    });
    expect((await aEvents.next()).message).toMatchObject({ id: reply.id, body: 'hi Ann', sender: { id: b.id } });

    // Both see the same chat, oldest first; each has one unread message from the other.
    for (const viewer of [a, b]) {
      const { interview } = await ok(stack.url, Chat, { id: interviewId }, as(viewer));
      expect(interview!.messages.edges.map((e) => [e.node.id, e.node.body, e.node.sender.id])).toEqual([
        [sent.id, 'hello Bob', a.id],
        [reply.id, 'hi Ann', b.id],
      ]);
      expect(interview!.unreadMessageCount).toBe(1);
    }

    // Edit: author only; the peer gets the new text.
    const edited = (await ok(stack.url, Edit, { messageId: sent.id, body: 'hello, Bob!' }, as(a))).editMessage;
    expect(edited.body).toBe('hello, Bob!');
    expect(edited.editedAt).not.toBeNull();
    expect(await session.next()).toMatchObject({
      type: 'MESSAGE_EDITED',
      actor: { id: a.id },
      payload: { messageId: sent.id, editedAt: edited.editedAt },
      message: { id: sent.id, body: 'hello, Bob!', editedAt: edited.editedAt },
    });
    expect(await bEvents.next()).toMatchObject({
      type: 'MESSAGE_EDITED',
      message: { id: sent.id, body: 'hello, Bob!', editedAt: edited.editedAt },
    });
    // The same text again changes and announces nothing.
    expect((await ok(stack.url, Edit, { messageId: sent.id, body: ' hello, Bob! ' }, as(a))).editMessage.editedAt).toBe(
      edited.editedAt,
    );

    // Read receipts: B reads up to A's message.
    expect((await ok(stack.url, MarkRead, { interviewId, upToMessageId: sent.id }, as(b))).markMessagesRead).toBe(true);
    const read = await session.next();
    expect(read).toMatchObject({
      type: 'MESSAGES_READ',
      actor: { id: b.id },
      payload: { userId: b.id, upToMessageId: sent.id },
      message: null,
    });
    const afterRead = (await ok(stack.url, Chat, { id: interviewId }, as(a))).interview!;
    expect(afterRead.readReceipts).toEqual(
      expect.arrayContaining([
        {
          user: { id: b.id },
          lastReadMessageId: sent.id,
          lastReadMessage: { id: sent.id, body: 'hello, Bob!' },
          readAt: (read.payload as { readAt: string }).readAt,
        },
        { user: { id: a.id }, lastReadMessageId: null, lastReadMessage: null, readAt: null },
      ]),
    );
    expect((await ok(stack.url, Chat, { id: interviewId }, as(b))).interview!.unreadMessageCount).toBe(0);
    // Reading up to the own reply moves it on; going back to the first message does not.
    expect((await ok(stack.url, MarkRead, { interviewId, upToMessageId: reply.id }, as(b))).markMessagesRead).toBe(
      true,
    );
    expect(await session.next()).toMatchObject({ type: 'MESSAGES_READ', payload: { upToMessageId: reply.id } });
    expect((await ok(stack.url, MarkRead, { interviewId, upToMessageId: sent.id }, as(b))).markMessagesRead).toBe(
      false,
    );
    expect((await ok(stack.url, MarkRead, { interviewId, upToMessageId: reply.id }, as(b))).markMessagesRead).toBe(
      false,
    );
    const receipts = (await ok(stack.url, Chat, { id: interviewId }, as(b))).interview!.readReceipts;
    expect(receipts.find((r) => r.user.id === b.id)!.lastReadMessageId).toBe(reply.id);

    // Delete: soft; the body is gone from every read, the row keeps its place.
    const deleted = (await ok(stack.url, Delete, { messageId: sent.id }, as(a))).deleteMessage;
    expect(deleted).toMatchObject({ id: sent.id, body: null, deleted: true });
    expect(deleted.deletedAt).not.toBeNull();
    expect(await session.next()).toMatchObject({
      type: 'MESSAGE_DELETED',
      actor: { id: a.id },
      payload: { messageId: sent.id, senderId: a.id },
      message: { id: sent.id, body: null, deleted: true },
    });
    const bDeleted = await bEvents.next();
    expect(bDeleted).toMatchObject({ type: 'MESSAGE_DELETED', message: { id: sent.id, body: null, deleted: true } });
    expect(JSON.stringify(bDeleted.payload)).not.toContain('hello');
    for (const viewer of [a, b]) {
      const edges = (await ok(stack.url, Chat, { id: interviewId }, as(viewer))).interview!.messages.edges;
      expect(edges.map((e) => [e.node.id, e.node.body, e.node.deleted])).toEqual([
        [sent.id, null, true],
        [reply.id, 'hi Ann', false],
      ]);
    }
    const [row] = await stack.db.query<{ body: string; deletedAt: Date | null }>(
      `SELECT body, "deletedAt" FROM "Message" WHERE id = $1`,
      [sent.id],
    );
    expect(row).toMatchObject({ body: '', deletedAt: expect.any(Date) });
    // Nothing of the text survives in stored events either.
    const stored = await stack.db.query<{ payload: unknown }>(`SELECT payload FROM "Event" WHERE "interviewId" = $1`, [
      interviewId,
    ]);
    expect(JSON.stringify(stored)).not.toContain('hello');
    // Deleting again is harmless and silent; editing a deleted message is CONFLICT.
    expect((await ok(stack.url, Delete, { messageId: sent.id }, as(a))).deleteMessage.deletedAt).toBe(
      deleted.deletedAt,
    );
    expect(codes(await gql(stack.url, Edit, { messageId: sent.id, body: 'back' }, as(a)))).toEqual(['CONFLICT']);

    // A's stream got only B's message; B's got only A's three changes; nothing else is pending.
    const marker = (await ok(stack.url, Send, { interviewId, body: 'bye' }, as(b))).sendMessage;
    expect((await aEvents.next()).message!.id).toBe(marker.id);
    expect(await aEvents.pending()).toBe(0);
    expect(await bEvents.pending()).toBe(0);
    expect((await session.next()).payload).toMatchObject({ messageId: marker.id });
    expect(await session.pending()).toBe(0);
  });

  it('peer edits and deletes are FORBIDDEN; a third user gets NOT_FOUND for them', async () => {
    const { a, b, c, interviewId } = await pair();
    const m = (await ok(stack.url, Send, { interviewId, body: 'mine' }, as(a))).sendMessage;
    expect(codes(await gql(stack.url, Edit, { messageId: m.id, body: 'yours' }, as(b)))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(stack.url, Delete, { messageId: m.id }, as(b)))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(stack.url, Edit, { messageId: m.id, body: 'yours' }, as(c)))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(stack.url, Delete, { messageId: m.id }, as(c)))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(stack.url, Edit, { messageId: m.id, body: 'yours' }, as(admin)))).toEqual(['FORBIDDEN']);
    // A third user's NOT_FOUND reads exactly like a message that does not exist.
    const missing = await gql(stack.url, Delete, { messageId: '00000000-0000-4000-8000-000000000000' }, as(c));
    const foreign = await gql(stack.url, Delete, { messageId: m.id }, as(c));
    expect(foreign.errors![0]!.message).toBe(missing.errors![0]!.message);
    const { interview } = await ok(stack.url, Chat, { id: interviewId }, as(a));
    expect(interview!.messages.edges.map((e) => [e.node.body, e.node.deleted])).toEqual([['mine', false]]);
  });
});

describe('both participants at once', () => {
  it('sending at the same time never deadlocks: every message lands, each peer gets one MESSAGE_SENT per message, cursors without gaps', async () => {
    const { a, b, interviewId } = await pair();
    // The sender's message row holds a key-share lock on the sender's user row while the peer's row is locked for the event.
    const burst = (u: TestUser, tag: string) =>
      Array.from({ length: 15 }, (_, i) => gql(stack.url, Send, { interviewId, body: `${tag}${i}` }, as(u)));
    const results = await Promise.all([...burst(a, 'a'), ...burst(b, 'b')]);
    expect(results.flatMap(codes)).toEqual([]);
    const rows = await stack.db.query<{ userId: string; sent: string; events: string; top: string }>(
      `SELECT "userId", count(*) FILTER (WHERE type = 'MESSAGE_SENT' AND "interviewId" = $1) AS sent, count(*) AS events, max(seq) AS top
       FROM "Event" WHERE "userId" = ANY($2::uuid[]) GROUP BY "userId" ORDER BY "userId"`,
      [interviewId, [a.id, b.id]],
    );
    expect(rows.map((r) => [Number(r.sent), Number(r.events) === Number(r.top)])).toEqual([
      [15, true],
      [15, true],
    ]);
  });
});

describe('who may chat', () => {
  it('a third user gets NOT_FOUND on every operation and learns nothing; signed out is UNAUTHENTICATED', async () => {
    const { a, b, c, interviewId } = await pair();
    const m = (await ok(stack.url, Send, { interviewId, body: 'secret' }, as(a))).sendMessage;
    const session = await channelOf(interviewId);
    const bEvents = await eventsOf(b);
    expect((await bEvents.next()).message!.id).toBe(m.id);
    const attempts = (opts: { token?: string }) => [
      gql(stack.url, Send, { interviewId, body: 'hi' }, opts),
      gql(stack.url, Edit, { messageId: m.id, body: 'x' }, opts),
      gql(stack.url, Delete, { messageId: m.id }, opts),
      gql(stack.url, MarkRead, { interviewId, upToMessageId: m.id }, opts),
      gql(stack.url, Typing, { interviewId, typing: true }, opts),
      gql(stack.url, Typing, { interviewId, typing: false }, opts),
      gql(stack.url, Chat, { id: interviewId }, opts),
    ];
    for (const res of await Promise.all(attempts(as(c)))) {
      expect(codes(res)).toEqual(['NOT_FOUND']);
      expect(JSON.stringify(res)).not.toContain('secret');
    }
    for (const res of await Promise.all(attempts({}))) expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    // Admins read (they can open any interview) but do not take part: FORBIDDEN, since they know it exists.
    const seen = (await ok(stack.url, Chat, { id: interviewId }, as(admin))).interview!;
    expect(seen.messages.edges.map((e) => e.node.body)).toEqual(['secret']);
    expect(seen.unreadMessageCount).toBe(0);
    for (const res of await Promise.all(attempts(as(admin)).slice(0, 6))) expect(codes(res)).toEqual(['FORBIDDEN']);
    // Nobody heard anything, and nothing changed.
    const marker = (await ok(stack.url, Send, { interviewId, body: 'marker' }, as(a))).sendMessage;
    expect((await session.next()).payload).toMatchObject({ messageId: marker.id });
    expect((await bEvents.next()).message!.id).toBe(marker.id);
    expect(session.pending() + (await bEvents.pending())).toBe(0);
    const again = (await ok(stack.url, Chat, { id: interviewId }, as(b))).interview!;
    expect(again.messages.edges.map((e) => e.node.body)).toEqual(['secret', 'marker']);
    expect(again.readReceipts.every((r) => r.lastReadMessageId === null)).toBe(true);
  });

  it('a message of another interview cannot be marked read here; malformed ids are BAD_USER_INPUT', async () => {
    const one = await pair();
    const two = await pair();
    const other = (await ok(stack.url, Send, { interviewId: two.interviewId, body: 'elsewhere' }, as(two.a)))
      .sendMessage;
    expect(
      codes(await gql(stack.url, MarkRead, { interviewId: one.interviewId, upToMessageId: other.id }, as(one.a))),
    ).toEqual(['NOT_FOUND']);
    expect(codes(await gql(stack.url, Send, { interviewId: 'nope', body: 'hi' }, as(one.a)))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(codes(await gql(stack.url, Delete, { messageId: 'nope' }, as(one.a)))).toEqual(['BAD_USER_INPUT']);
  });

  it('chat stays open after the session; a cancelled interview is read-only', async () => {
    const { a, b, interviewId } = await pair();
    const first = (await ok(stack.url, Send, { interviewId, body: 'before' }, as(a))).sendMessage;
    await stack.db.query(
      `UPDATE "Interview" SET status = 'COMPLETED', "startedAt" = now(), "endedAt" = now() WHERE id = $1`,
      [interviewId],
    );
    const after = (await ok(stack.url, Send, { interviewId, body: 'good talk' }, as(b))).sendMessage;
    await ok(stack.url, Edit, { messageId: after.id, body: 'great talk' }, as(b));
    expect(await ok(stack.url, Typing, { interviewId, typing: false }, as(a))).toEqual({ setTyping: true });

    await stack.db.query(`UPDATE "Interview" SET status = 'CANCELLED', "cancelledAt" = now() WHERE id = $1`, [
      interviewId,
    ]);
    const refused = [
      await gql(stack.url, Send, { interviewId, body: 'hello?' }, as(a)),
      await gql(stack.url, Edit, { messageId: first.id, body: 'x' }, as(a)),
      await gql(stack.url, Delete, { messageId: first.id }, as(a)),
      await gql(stack.url, Typing, { interviewId, typing: true }, as(a)),
    ];
    for (const res of refused) {
      expect(codes(res)).toEqual(['CONFLICT']);
      expect(res.errors![0]!.message).toMatch(/read-only/);
    }
    // Reading, marking read and stopping typing still work.
    expect((await ok(stack.url, MarkRead, { interviewId, upToMessageId: after.id }, as(a))).markMessagesRead).toBe(
      true,
    );
    expect((await ok(stack.url, Typing, { interviewId, typing: false }, as(a))).setTyping).toBe(true);
    const { interview } = await ok(stack.url, Chat, { id: interviewId }, as(b));
    expect(interview!.messages.edges.map((e) => e.node.body)).toEqual(['before', 'great talk']);
  });
});

describe('bodies', () => {
  it('are 1–4000 characters after trimming, else BAD_USER_INPUT naming body', async () => {
    const { a, interviewId } = await pair();
    for (const body of ['', '   ', '\n\t ', 'x'.repeat(4001), ` ${'y'.repeat(4001)} `]) {
      const res = await gql(stack.url, Send, { interviewId, body }, as(a));
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.message).toMatch(/^body: /);
      expect(res.errors![0]!.extensions!['field']).toBe('body');
    }
    expect((await ok(stack.url, Send, { interviewId, body: 'x'.repeat(4000) }, as(a))).sendMessage.body).toBe(
      'x'.repeat(4000),
    );
    const padded = (await ok(stack.url, Send, { interviewId, body: `\n  ${'z'.repeat(4000)}  \n` }, as(a))).sendMessage;
    expect(padded.body).toBe('z'.repeat(4000));
    expect((await ok(stack.url, Send, { interviewId, body: '😀'.repeat(4000) }, as(a))).sendMessage.body).toBe(
      '😀'.repeat(4000),
    );
    for (const body of ['  ', 'x'.repeat(4001)]) {
      const res = await gql(stack.url, Edit, { messageId: padded.id, body }, as(a));
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.message).toMatch(/^body: /);
    }
    expect(codes(await gql(stack.url, Send, { interviewId, body: 'a\u0000b' }, as(a)))).toEqual(['BAD_USER_INPUT']);
  });

  it('are plain text: markup comes back verbatim, from the mutation, reads and events', async () => {
    const { a, b, interviewId } = await pair();
    const bEvents = await eventsOf(b);
    const text = `<b>hi</b> & <script>alert("x")</script> &amp; 'quotes'\nsecond line`;
    const sent = (await ok(stack.url, Send, { interviewId, body: `  ${text}\n` }, as(a))).sendMessage;
    expect(sent.body).toBe(text);
    expect((await bEvents.next()).message!.body).toBe(text);
    const { interview } = await ok(stack.url, Chat, { id: interviewId }, as(b));
    expect(interview!.messages.edges[0]!.node.body).toBe(text);
    const [row] = await stack.db.query<{ body: string }>(`SELECT body FROM "Message" WHERE id = $1`, [sent.id]);
    expect(row!.body).toBe(text);
    expect((await ok(stack.url, Edit, { messageId: sent.id, body: '<i>edited</i>' }, as(a))).editMessage.body).toBe(
      '<i>edited</i>',
    );
  });
});

describe('rate limit', () => {
  it('the 21st message within 10 seconds is RATE_LIMITED with retryAfterSeconds; others are unaffected', async () => {
    const { a, b, interviewId } = await pair();
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => gql(stack.url, Send, { interviewId, body: `m${i}` }, as(a))),
    );
    expect(sent.flatMap(codes)).toEqual([]);
    const res = await gql(stack.url, Send, { interviewId, body: 'one too many' }, as(a));
    expect(codes(res)).toEqual(['RATE_LIMITED']);
    const retry = res.errors![0]!.extensions!['retryAfterSeconds'];
    expect(retry).toEqual(expect.any(Number));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(10);
    // Edits share the budget; the peer has a budget of their own; nothing refused was stored.
    const firstId = (await ok(stack.url, Chat, { id: interviewId, first: 1 }, as(a))).interview!.messages.edges[0]!.node
      .id;
    expect(codes(await gql(stack.url, Edit, { messageId: firstId, body: 'edit' }, as(a)))).toEqual(['RATE_LIMITED']);
    await ok(stack.url, Send, { interviewId, body: 'from b' }, as(b));
    const [{ n }] = (await stack.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM "Message" WHERE "interviewId" = $1`,
      [interviewId],
    )) as [{ n: string }];
    expect(Number(n)).toBe(21);
  });
});

describe('Interview.messages', () => {
  it('is a Relay connection in chat order: forward with first/after, backward with last/before', async () => {
    const { a, b, interviewId } = await pair();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await ok(stack.url, Send, { interviewId, body: `m${i}` }, as(i % 2 ? b : a))).sendMessage.id);
    }
    await ok(stack.url, Delete, { messageId: ids[2]! }, as(a));
    const page = async (args: { first?: number; after?: string; last?: number; before?: string }) =>
      (await ok(stack.url, Chat, { id: interviewId, ...args }, as(b))).interview!.messages;

    const p1 = await page({ first: 3 });
    expect(p1.edges.map((e) => e.node.body)).toEqual(['m0', 'm1', null]);
    expect(p1.edges[2]!.node.deleted).toBe(true);
    expect(p1.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: ids[0], endCursor: ids[2] });
    const p2 = await page({ first: 3, after: p1.pageInfo.endCursor! });
    expect(p2.edges.map((e) => e.node.body)).toEqual(['m3', 'm4', 'm5']);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const p3 = await page({ first: 3, after: p2.pageInfo.endCursor! });
    expect(p3.edges.map((e) => e.node.body)).toEqual(['m6']);
    expect(p3.pageInfo.hasNextPage).toBe(false);

    const newest = await page({ last: 2 });
    expect(newest.edges.map((e) => e.node.body)).toEqual(['m5', 'm6']);
    expect(newest.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const older = await page({ last: 4, before: newest.pageInfo.startCursor! });
    expect(older.edges.map((e) => e.node.body)).toEqual(['m1', null, 'm3', 'm4']);
    expect(older.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const oldest = await page({ last: 4, before: older.pageInfo.startCursor! });
    expect(oldest.edges.map((e) => e.node.body)).toEqual(['m0']);
    expect(oldest.pageInfo.hasPreviousPage).toBe(false);
    // Default page: everything here; a message id from an event works as a cursor.
    expect((await page({})).edges).toHaveLength(7);
    expect((await page({ after: ids[4]! })).edges.map((e) => e.node.id)).toEqual(ids.slice(5));
  });

  it('refuses bad paging arguments with BAD_USER_INPUT', async () => {
    const { a, interviewId } = await pair();
    await ok(stack.url, Send, { interviewId, body: 'x' }, as(a));
    const other = await pair();
    const foreign = (await ok(stack.url, Send, { interviewId: other.interviewId, body: 'y' }, as(other.a))).sendMessage
      .id;
    for (const [args, field] of [
      [{ first: 1, last: 1 }, 'last'],
      [{ first: 101 }, 'first'],
      [{ last: -1 }, 'last'],
      [{ after: 'not-a-cursor' }, 'after'],
      [{ before: '00000000-0000-4000-8000-000000000000' }, 'before'],
      [{ after: foreign }, 'after'],
    ] as const) {
      const res = await gql(stack.url, Chat, { id: interviewId, ...args }, as(a));
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.message).toMatch(new RegExp(`^${field}: `));
    }
  });
});

describe('typing', () => {
  it('is announced on the session, never stored, and stops on setTyping(false) or on sending', async () => {
    const { a, b, interviewId } = await pair();
    const session = await channelOf(interviewId);
    expect((await ok(stack.url, Typing, { interviewId, typing: true }, as(a))).setTyping).toBe(true);
    expect(await session.next()).toMatchObject({ type: 'TYPING_STARTED', actorId: a.id, payload: { userId: a.id } });
    await ok(stack.url, Typing, { interviewId, typing: false }, as(a));
    expect(await session.next()).toMatchObject({
      type: 'TYPING_STOPPED',
      actorId: a.id,
      payload: { userId: a.id, reason: 'STOPPED' },
    });

    await ok(stack.url, Typing, { interviewId, typing: true }, as(b));
    expect(await session.next()).toMatchObject({ type: 'TYPING_STARTED', payload: { userId: b.id } });
    const m = (await ok(stack.url, Send, { interviewId, body: 'done typing' }, as(b))).sendMessage;
    expect(await session.next()).toMatchObject({ type: 'MESSAGE_SENT', payload: { messageId: m.id } });
    expect(await session.next()).toMatchObject({ type: 'TYPING_STOPPED', payload: { userId: b.id, reason: 'SENT' } });
    // A message sent while not typing says nothing about typing.
    await ok(stack.url, Send, { interviewId, body: 'again' }, as(b));
    expect((await session.next()).type).toBe('MESSAGE_SENT');

    for (const user of [a, b]) {
      const types = (await ok(stack.url, ChatNotifications, {}, as(user))).notifications.edges.map((e) => e.node.type);
      expect(types.filter((t) => t.startsWith('TYPING'))).toEqual([]);
    }
    const [{ n }] = (await stack.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM "Event" WHERE type::text LIKE 'TYPING%'`,
    )) as [{ n: string }];
    expect(Number(n)).toBe(0);
    expect(session.pending()).toBe(0);
  });

  it('stops on its own 5 seconds after the last setTyping(true)', async () => {
    const { a, interviewId } = await pair();
    const session = await channelOf(interviewId);
    await ok(stack.url, Typing, { interviewId, typing: true }, as(a));
    const started = await session.next();
    expect(started.type).toBe('TYPING_STARTED');
    const stopped = await session.next(7_000);
    expect(stopped).toMatchObject({
      type: 'TYPING_STOPPED',
      actorId: a.id,
      payload: { userId: a.id, reason: 'TIMEOUT' },
    });
    const waited = Date.parse(stopped.at) - Date.parse(started.at);
    expect(waited).toBeGreaterThanOrEqual(4_900);
    expect(waited).toBeLessThan(6_500);
    // Once only.
    await ok(stack.url, Typing, { interviewId, typing: false }, as(a));
    expect(await session.next()).toMatchObject({ type: 'TYPING_STOPPED', payload: { reason: 'STOPPED' } });
    expect(session.pending()).toBe(0);
  }, 15_000);

  it('is rate limited like everything a user can repeat', async () => {
    const { a, interviewId } = await pair();
    const results = await Promise.all(
      Array.from({ length: 31 }, (_, i) => gql(stack.url, Typing, { interviewId, typing: i % 2 === 0 }, as(a))),
    );
    expect(results.flatMap(codes)).toEqual(['RATE_LIMITED']);
  });
});

describe('a message and its events: both or neither', () => {
  it('a message whose MESSAGE_SENT cannot be stored is not stored either, and nothing is announced', async () => {
    const { a, b, interviewId } = await pair();
    const bEvents = await eventsOf(b);
    const cursor = async () =>
      (await stack.db.query<{ seq: string }>(`SELECT "eventSeq"::text AS seq FROM "User" WHERE id = $1`, [b.id]))[0]!
        .seq;
    const before = await cursor();
    // A real failure of the event store, in this interview only: PostgreSQL refuses the event row.
    await stack.db.query(`
      CREATE FUNCTION refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'event store refused'; END $$;
      CREATE TRIGGER refuse_event BEFORE INSERT ON "Event" FOR EACH ROW
      WHEN (NEW."interviewId" = '${interviewId}'::uuid AND NEW.type = 'MESSAGE_SENT') EXECUTE FUNCTION refuse_event()`);
    try {
      const refused = await gql(stack.url, Send, { interviewId, body: 'lost in the store' }, as(a));
      expect(codes(refused)).toEqual(['INTERNAL_SERVER_ERROR']);
    } finally {
      await stack.db.query(`DROP TRIGGER refuse_event ON "Event"; DROP FUNCTION refuse_event()`);
    }
    expect(
      await stack.db.query(`SELECT id FROM "Message" WHERE "interviewId" = $1 AND body = 'lost in the store'`, [
        interviewId,
      ]),
    ).toEqual([]);
    expect(await cursor()).toBe(before);

    // Publishing comes after commit, and a send's publish before its reply: the peer's next event is the next message.
    const next = (await ok(stack.url, Send, { interviewId, body: 'stored' }, as(a))).sendMessage;
    expect(await bEvents.next()).toMatchObject({ type: 'MESSAGE_SENT', payload: { messageId: next.id } });
    expect(BigInt(await cursor())).toBe(BigInt(before) + 1n);
  });

  it('a plain-SQL transaction refuses events whose beforeStore hook needs Prisma, and writes nothing', async () => {
    const { a, b, interviewId } = await pair();
    const messageId = '00000000-0000-4000-8000-0000000000aa';
    const [interview] = await stack.db.query<{ slotId: string }>(`SELECT "slotId" FROM "Interview" WHERE id = $1`, [
      interviewId,
    ]);
    const slotId = interview!.slotId;
    await expect(
      stack.app.services.events.sqlTransaction(async (client, emit) => {
        await client.query(
          `INSERT INTO "Message" (id, "interviewId", "senderId", body) VALUES ($1, $2, $3, 'half-written')`,
          [messageId, interviewId, a.id],
        );
        // MATCHED may queue an offline email (notifications' hook), which runs on Prisma.
        emit.user({
          userId: b.id,
          type: 'MATCHED',
          interviewId,
          payload: { slotId, peerId: a.id, role: 'INTERVIEWER' },
        });
      }),
    ).rejects.toThrow('MATCHED events have a beforeStore hook');
    expect(await stack.db.query(`SELECT id FROM "Message" WHERE id = $1`, [messageId])).toEqual([]);
  });
});
