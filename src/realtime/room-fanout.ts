// Room fan-out: one pub/sub listener per room channel per instance holds every
// socket of this instance subscribed to that room. An event is executed and
// masked once per operation, encoded once, and written to each socket as a
// pre-framed buffer, synchronously: the per-subscriber work is one buffer
// write, as in Socket.IO's broadcasts (no queue, iterator or promise per
// subscriber and event). graphql-ws still owns subscribe, complete and errors.
import type { ExecutionResult } from 'graphql';
import { WebSocket } from 'ws';
import type { RoomEventMessage } from '../domain/events.js';
import type { RoomFeed } from '../services/events.js';

/**
 * A socket whose unsent bytes pass this is too slow for its rooms: it is closed
 * (1013, reconnect) instead of buffering without bound. ~3,000 room events.
 */
export const MAX_BUFFERED_BYTES = 1 << 20;
export const SLOW_SOCKET_CLOSE = { code: 1013, reason: 'Too slow to keep up; reconnect' } as const;

/** Where one subscription's frames go: graphql-ws frames carry the subscription id. */
export interface FanoutTarget {
  socket: WebSocket;
  id: string;
}

type Run = (event: RoomEventMessage) => ExecutionResult | Promise<ExecutionResult>;

interface Member {
  socket: WebSocket;
  /** `{"id":…,"type":"next","payload":` of this subscription. */
  prefix: Buffer;
  /** The frame header plus prefix, for payloads of `headFor` total length (room events rarely change length). */
  head: Buffer | null;
  headFor: number;
  run: Run;
  last: RoomEventMessage | undefined;
  /** No more events: left, closed as too slow, or handed SERVER_SHUTDOWN. */
  stopped: boolean;
  untrack: () => void;
}

/** Subscribers of one room with the same operation (document, name, variables): the same result for an event. */
interface Group {
  members: Set<Member>;
  /** Events waiting behind an execution that went async (a resolver returned a promise), in order. */
  backlog: RoomEventMessage[] | null;
  /** SERVER_SHUTDOWN payloads by the last event their members had (the room itself for none). */
  finals: Map<object, Promise<Buffer>>;
}

interface Room {
  feed: RoomFeed;
  groups: Map<string, Group>;
  listening: Promise<void>;
  unlisten: (() => void) | null;
}

export interface RoomFanout {
  /**
   * Adds a subscription to its room (listening to the room's channel if this
   * instance was not yet). Resolves once it receives every later event; the
   * returned function removes it.
   */
  join(feed: RoomFeed, operationKey: string, run: Run, target: FanoutTarget): Promise<() => void>;
  /** Rooms and subscriptions held, for tests. */
  size(): { rooms: number; members: number };
}

/** The WebSocket header of an unmasked, final text frame of `length` bytes. */
function frameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x81, length]);
  if (length < 65536) return Buffer.from([0x81, 126, length >> 8, length & 0xff]);
  const header = Buffer.alloc(10);
  header[0] = 0x81;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}

interface WsSender {
  _state?: number;
  _queue?: unknown[];
  sendFrame?: (list: Buffer[], cb?: (err?: Error) => void) => void;
}

/**
 * Writes `payload` as the member's `next` frame. Through ws's sender as
 * engine.io does for pre-encoded frames (a private API: used only when ws has
 * nothing queued, else ws's own send keeps the order).
 */
function writeFrame(m: Member, payload: Buffer, cb?: (err?: Error) => void) {
  const length = m.prefix.length + payload.length;
  const sender = (m.socket as unknown as { _sender?: WsSender })._sender;
  if (sender?.sendFrame && !sender._state && !sender._queue?.length) {
    if (m.headFor !== length) {
      m.head = Buffer.concat([frameHeader(length), m.prefix]);
      m.headFor = length;
    }
    sender.sendFrame([m.head!, payload], cb);
  } else {
    m.socket.send(Buffer.concat([m.prefix, payload]), { binary: false }, cb);
  }
}

const encode = (result: ExecutionResult) => Buffer.from(`${JSON.stringify(result)}}`);

export function createRoomFanout(opts: { onError: (err: unknown) => ExecutionResult }): RoomFanout {
  const rooms = new Map<string, Room>();

  const first = (group: Group) => group.members.values().next().value;

  function send(m: Member, event: RoomEventMessage, payload: Buffer) {
    if (m.stopped || m.socket.readyState !== WebSocket.OPEN) return;
    if (m.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      m.stopped = true;
      m.socket.close(SLOW_SOCKET_CLOSE.code, SLOW_SOCKET_CLOSE.reason);
      return;
    }
    writeFrame(m, payload);
    m.last = event;
  }

  function deliver(group: Group, event: RoomEventMessage, result: ExecutionResult) {
    if (group.members.size === 0) return;
    const payload = encode(result);
    for (const m of group.members) send(m, event, payload);
  }

  /** Executes with any member's arguments (the operation reads the same for all of them). */
  function execute(group: Group, event: RoomEventMessage): ExecutionResult | Promise<ExecutionResult> {
    const m = first(group);
    if (!m) return { data: null };
    try {
      return m.run(event);
    } catch (err) {
      return opts.onError(err);
    }
  }

  function publish(group: Group, event: RoomEventMessage) {
    if (group.backlog) return void group.backlog.push(event);
    const result = execute(group, event);
    if (!(result instanceof Promise)) return deliver(group, event, result);
    group.backlog = [];
    void drain(group, event, result);
  }

  async function drain(group: Group, event: RoomEventMessage, pending: Promise<ExecutionResult>) {
    for (;;) {
      deliver(group, event, await pending.catch(opts.onError));
      const next = group.backlog!.shift();
      if (next === undefined) break;
      event = next;
      const result = execute(group, event);
      pending = result instanceof Promise ? result : Promise.resolve(result);
    }
    group.backlog = null;
  }

  function closeRoomIfEmpty(room: Room) {
    for (const g of room.groups.values()) if (g.members.size > 0) return;
    if (rooms.get(room.feed.channel) === room) rooms.delete(room.feed.channel);
    room.unlisten?.();
    room.unlisten = null;
  }

  /**
   * SERVER_SHUTDOWN for one member: its last counts (fresh ones without),
   * made and executed once per group and last event, written like any frame.
   */
  async function final(room: Room, group: Group, m: Member): Promise<boolean> {
    m.stopped = true;
    const key = m.last ?? room;
    let payload = group.finals.get(key);
    if (!payload) {
      const last = m.last;
      group.finals.set(
        key,
        (payload = room.feed
          .final(last)
          .then((event) => m.run(event))
          .catch(opts.onError)
          .then(encode)),
      );
    }
    const frame = await payload;
    if (m.socket.readyState !== WebSocket.OPEN) return false;
    return new Promise<boolean>((resolve) => writeFrame(m, frame, (err) => resolve(!err)));
  }

  return {
    async join(feed, operationKey, run, target) {
      let room = rooms.get(feed.channel);
      if (!room) {
        const created: Room = { feed, groups: new Map(), listening: Promise.resolve(), unlisten: null };
        created.listening = feed
          .listen((event) => {
            for (const group of created.groups.values()) publish(group, event);
          })
          .then((unlisten) => {
            created.unlisten = unlisten;
            if (rooms.get(feed.channel) !== created) unlisten();
          });
        rooms.set(feed.channel, (room = created));
      }
      const r = room;
      let group = r.groups.get(operationKey);
      if (!group) r.groups.set(operationKey, (group = { members: new Set(), backlog: null, finals: new Map() }));
      const g = group;
      const m: Member = {
        socket: target.socket,
        prefix: Buffer.from(`{"id":${JSON.stringify(target.id)},"type":"next","payload":`),
        head: null,
        headFor: -1,
        run,
        last: undefined,
        stopped: false,
        untrack: () => {},
      };
      g.members.add(m);
      const leave = () => {
        m.stopped = true;
        m.untrack();
        if (!g.members.delete(m)) return;
        if (g.members.size === 0) r.groups.delete(operationKey);
        closeRoomIfEmpty(r);
      };
      try {
        await r.listening;
      } catch (err) {
        leave();
        if (rooms.get(feed.channel) === r) rooms.delete(feed.channel);
        throw err;
      }
      m.untrack = feed.notice.track(() => final(r, g, m));
      return leave;
    },
    size() {
      let members = 0;
      for (const r of rooms.values()) for (const g of r.groups.values()) members += g.members.size;
      return { rooms: rooms.size, members };
    },
  };
}
