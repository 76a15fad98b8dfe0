// Room fan-out: one pub/sub listener per room channel per instance holds every
// socket of this instance subscribed to that room. An event is executed and
// masked once per operation, encoded once, and written to each socket as a
// pre-framed buffer, synchronously: the per-subscriber work is one buffer
// write, as in Socket.IO's broadcasts (no queue, iterator or promise per
// subscriber and event). graphql-ws still owns subscribe, complete and errors.
import type { ExecutionResult } from 'graphql';
import type { RoomEventMessage } from '../domain/events.js';
import type { RoomFeed } from '../services/events.js';
import {
  encode,
  frameWriter,
  inOrder,
  sendFrame,
  sendLastFrame,
  type FanoutTarget,
  type FrameWriter,
} from './frames.js';

type Run = (event: RoomEventMessage) => ExecutionResult | Promise<ExecutionResult>;

interface Member extends FrameWriter {
  run: Run;
  last: RoomEventMessage | undefined;
  untrack: () => void;
}

/** Subscribers of one room with the same operation (document, name, variables): the same result for an event. */
interface Group {
  members: Set<Member>;
  /** Executes each event once for the group, in order. */
  publish: (event: RoomEventMessage) => void;
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

export function createRoomFanout(opts: { onError: (err: unknown) => ExecutionResult }): RoomFanout {
  const rooms = new Map<string, Room>();

  function createGroup(): Group {
    const members = new Set<Member>();
    const deliver = (event: RoomEventMessage, result: ExecutionResult) => {
      if (members.size === 0) return;
      const payload = encode(result);
      for (const m of members) if (sendFrame(m, payload)) m.last = event;
    };
    // Executed with any member's arguments (the operation reads the same for all of them).
    const run = (event: RoomEventMessage) => members.values().next().value?.run(event) ?? { data: null };
    return { members, publish: inOrder(run, deliver, opts.onError), finals: new Map() };
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
    return sendLastFrame(m, await payload);
  }

  return {
    async join(feed, operationKey, run, target) {
      let room = rooms.get(feed.channel);
      if (!room) {
        const created: Room = { feed, groups: new Map(), listening: Promise.resolve(), unlisten: null };
        created.listening = feed
          .listen((event) => {
            for (const group of created.groups.values()) group.publish(event);
          })
          .then((unlisten) => {
            created.unlisten = unlisten;
            if (rooms.get(feed.channel) !== created) unlisten();
          });
        rooms.set(feed.channel, (room = created));
      }
      const r = room;
      let group = r.groups.get(operationKey);
      if (!group) r.groups.set(operationKey, (group = createGroup()));
      const g = group;
      const m: Member = { ...frameWriter(target), run, last: undefined, untrack: () => {} };
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
