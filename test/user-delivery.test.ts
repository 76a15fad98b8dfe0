// `events` over graphql-ws writes its frames itself (src/realtime/user-delivery.ts):
// replay paced by the socket, then live events written from the pub/sub callback.
// Each event exactly once and in order across the switch from replay to live and
// across a gap; a socket too slow to read is closed, not buffered without bound;
// `complete` stops the frames of that subscription only.
import WebSocket from 'ws';
import { channels, type UserEventInput, type UserEventMessage } from '../src/domain/events.js';
import { MAX_BUFFERED_BYTES, SLOW_SOCKET_CLOSE } from '../src/realtime/frames.js';
import { storeUserEvents } from '../src/services/events.js';
import { prismaQuery } from '../src/infra/db.js';
import { registerUser, type TestUser } from './support/fixtures.js';
import { startTestStack } from './support/server.js';

let stack: Awaited<ReturnType<typeof startTestStack>>;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  for (const s of sockets) s.terminate();
  await stack.close();
});

type Frame = Record<string, unknown> & { id?: string; type: string; payload?: { data?: { events?: { id: string } } } };

/** A raw graphql-transport-ws socket that keeps every frame it receives, signed in as `user`. */
async function openSocket(user: TestUser) {
  const socket = new WebSocket(stack.wsUrl, 'graphql-transport-ws');
  sockets.push(socket);
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    frames.push(JSON.parse((data as Buffer).toString()) as Frame);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  /** Resolves once `done()` holds, checked at each frame (at most every 100 ms). */
  const until = async (what: string, done: () => boolean, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${frames.length} frames`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${user.token}` } }));
  await until('connection_ack', () => frames.some((f) => f.type === 'connection_ack'));
  frames.splice(0);
  const subscribeEvents = (id: string, after?: bigint) =>
    socket.send(
      JSON.stringify({
        id,
        type: 'subscribe',
        payload: {
          query: 'subscription($after: String) { events(after: $after) { id type payload } }',
          variables: { after: after?.toString() ?? null },
        },
      }),
    );
  /** The event ids received by subscription `id`, in order of arrival. */
  const ids = (id: string) =>
    frames.filter((f) => f.id === id && f.type === 'next').map((f) => f.payload!.data!.events!.id);
  return { socket, frames, until, closed, subscribeEvents, ids };
}

const message = (userId: string, n: number): UserEventInput => ({
  userId,
  type: 'MESSAGE_SENT',
  payload: { messageId: `m${n}`, senderId: userId },
});
/** Stored without being published: what a lost or late publish leaves behind. */
const storeOnly = (events: UserEventInput[]) =>
  stack.app.infra.db.$transaction((tx) => storeUserEvents(prismaQuery(tx), events), { timeout: 60_000 });
/** Stored and published after commit, as every state change does. */
const emit = (userId: string, n: number) =>
  stack.app.services.events.transaction(async (_tx, e) => e.user(message(userId, n)));
const cursorOf = (userId: string) => stack.app.services.events.cursor(userId);
const range = (from: bigint, to: bigint) => {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(i.toString());
  return out;
};

it('replays, switches to live and fills a gap with every event once and in order, live ones published during the replay', async () => {
  const user = await registerUser(stack.url);
  const base = await stack.app.services.events.cursor(user.id);
  const STORED = 3000; // six replay batches
  await storeOnly(Array.from({ length: STORED }, (_, i) => message(user.id, i)));
  const s = await openSocket(user);
  s.subscribeEvents('r', base);
  // Live events, one after another, until the replay has arrived; a stored-only one
  // (never published) in the middle makes the next live one skip ahead.
  let n = 0;
  let duringReplay = 0;
  while (s.ids('r').length < STORED) {
    if (++n === 5) await storeOnly([message(user.id, -1)]);
    else await emit(user.id, n);
    const received = s.ids('r').length;
    if (received > 0 && received < STORED) duringReplay++;
    if (n > 2000) throw new Error('the replay never finished');
  }
  // And a few more once live.
  for (let i = 0; i < 5; i++) await emit(user.id, ++n);
  const last = await stack.app.services.events.cursor(user.id);
  expect(last).toBe(base + BigInt(STORED + n));
  await s.until('every event', () => s.ids('r').length >= STORED + n);
  // Anything repeated would arrive right behind: the server answers a ping after writing what it had.
  s.socket.send(JSON.stringify({ type: 'ping' }));
  await s.until('pong', () => s.frames.some((f) => f.type === 'pong'));
  expect(s.ids('r')).toEqual(range(base + 1n, last));
  expect(duringReplay).toBeGreaterThan(0);
});

it('closes a socket too slow to read with 1013, after the events it had in order; other users keep theirs', async () => {
  const [slow, other] = [await registerUser(stack.url), await registerUser(stack.url)];
  const s = await openSocket(slow);
  const o = await openSocket(other);
  // From the current cursor: the first event arrives whether it commits before the stream stands or after.
  s.subscribeEvents('slow', await cursorOf(slow.id));
  o.subscribeEvents('other', await cursorOf(other.id));
  await emit(slow.id, 0);
  await emit(other.id, 0);
  await s.until('first event', () => s.ids('slow').length === 1);
  await o.until('first event', () => o.ids('other').length === 1);
  const [slowFrom, otherFrom] = [BigInt(s.ids('slow')[0]!), BigInt(o.ids('other')[0]!)];

  // The slow client stops reading; large live events pile up on the server until it gives up.
  (s.socket as unknown as { _socket: { pause(): void } })._socket.pause();
  const big = 'x'.repeat(64 * 1024);
  const COUNT = Math.ceil((8 * MAX_BUFFERED_BYTES) / big.length); // well past what the OS buffers too
  for (let i = 1; i <= COUNT; i++) {
    const event: UserEventMessage = {
      userId: slow.id,
      seq: (slowFrom + BigInt(i)).toString(),
      type: 'MESSAGE_SENT',
      at: new Date().toISOString(),
      interviewId: null,
      payload: { messageId: big, senderId: slow.id },
    };
    await stack.app.infra.pubsub.publish(channels.user(slow.id), event);
  }
  await emit(other.id, 1);
  await o.until('live event', () => o.ids('other').length === 2);
  expect(o.ids('other')).toEqual([otherFrom.toString(), (otherFrom + 1n).toString()]);

  (s.socket as unknown as { _socket: { resume(): void } })._socket.resume();
  expect(await s.closed).toBe(SLOW_SOCKET_CLOSE.code);
  const got = s.ids('slow');
  expect(got.length).toBeLessThan(COUNT + 1);
  expect(got).toEqual(range(slowFrom, slowFrom + BigInt(got.length - 1)));
});

it('complete stops the frames of that subscription only', async () => {
  const user = await registerUser(stack.url);
  const s = await openSocket(user);
  const from = await cursorOf(user.id);
  s.subscribeEvents('a', from);
  s.subscribeEvents('b', from);
  await emit(user.id, 0);
  await s.until('both live', () => s.ids('a').length === 1 && s.ids('b').length === 1);
  s.socket.send(JSON.stringify({ id: 'b', type: 'complete' }));
  // The server handles complete at once; its pong proves it has read the message.
  s.socket.send(JSON.stringify({ type: 'ping' }));
  await s.until('pong', () => s.frames.some((f) => f.type === 'pong'));
  await emit(user.id, 1);
  await emit(user.id, 2);
  await s.until('two more', () => s.ids('a').length === 3);
  s.socket.send(JSON.stringify({ type: 'ping' }));
  await s.until('second pong', () => s.frames.filter((f) => f.type === 'pong').length === 2);
  const first = BigInt(s.ids('a')[0]!);
  expect(s.ids('a')).toEqual(range(first, first + 2n));
  expect(s.ids('b')).toEqual([first.toString()]);
});
