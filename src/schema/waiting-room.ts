import type { RoomCounts, RoomEventMessage } from '../domain/events.js';
import { mapIterator } from '../infra/async-queue.js';
import type { Slot } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { uuid } from './args.js';
import { DifficultyEnum, EventTypeEnum } from './enums.js';
import { SlotRef } from './slots.js';

const DifficultyCount = builder.objectRef<RoomCounts['byDifficulty'][number]>('DifficultyCount').implement({
  fields: (t) => ({
    difficulty: t.expose('difficulty', { type: DifficultyEnum }),
    count: t.exposeInt('count'),
  }),
});

const WaitingRoom = builder.objectRef<RoomCounts & { slot: Slot }>('WaitingRoom').implement({
  description: 'Counts only: who is waiting is never disclosed.',
  fields: (t) => ({
    id: t.id({ description: "The slot's id: one waiting room per slot.", resolve: (r) => r.slot.id }),
    slot: t.field({ type: SlotRef, resolve: (r) => r.slot }),
    waitingCount: t.exposeInt('waitingCount'),
    byDifficulty: t.field({ type: [DifficultyCount], resolve: (r) => r.byDifficulty }),
  }),
});

const WaitingRoomEvent = builder.objectRef<RoomEventMessage>('WaitingRoomEvent').implement({
  fields: (t) => ({
    type: t.field({ type: EventTypeEnum, resolve: (e) => e.type }),
    slotId: t.exposeID('slotId'),
    waitingCount: t.exposeInt('waitingCount'),
    byDifficulty: t.field({ type: [DifficultyCount], resolve: (e) => e.byDifficulty }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

interface MatchFound {
  interviewId: string;
  peerId: string;
  at: string;
}

const MatchFoundEvent = builder.objectRef<MatchFound>('MatchFoundEvent').implement({
  fields: (t) => ({
    type: t.field({ type: EventTypeEnum, resolve: () => 'MATCHED' as const }),
    interview: t.prismaField({
      type: 'Interview',
      resolve: (query, e, _args, ctx) => ctx.db.interview.findUniqueOrThrow({ ...query, where: { id: e.interviewId } }),
    }),
    peer: t.prismaField({
      type: 'User',
      resolve: (query, e, _args, ctx) => ctx.db.user.findUniqueOrThrow({ ...query, where: { id: e.peerId } }),
    }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

builder.queryField('waitingRoom', (t) =>
  t.field({
    type: WaitingRoom,
    description:
      "A slot's waiting-room counts, for any signed-in user (as slots { waitingCount } and the subscription).",
    authScopes: { signedIn: true },
    args: { slotId: t.arg.id({ required: true, validate: uuid }) },
    resolve: (_root, args, ctx) => ctx.services.bookings.waitingRoom(String(args.slotId)),
  }),
);

builder.mutationFields((t) => ({
  joinWaitingRoom: t.prismaField({
    type: 'Booking',
    description:
      'BOOKED -> WAITING while the room is open (from WAITING_ROOM_OPENS_MINUTES before the start until the end). Emits JOIN_ROOM.',
    authScopes: { signedIn: true },
    args: { bookingId: t.arg.id({ required: true, validate: uuid }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.bookings.joinWaitingRoom(ctx.viewer!, String(args.bookingId), query),
  }),
  leaveWaitingRoom: t.prismaField({
    type: 'Booking',
    description: 'WAITING -> BOOKED. Emits LEAVE_ROOM.',
    authScopes: { signedIn: true },
    args: { bookingId: t.arg.id({ required: true, validate: uuid }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.bookings.leaveWaitingRoom(ctx.viewer!, String(args.bookingId), query),
  }),
  pairWaitingRoom: t.prismaField({
    type: ['Interview'],
    description: 'Admins only: runs matching for this slot now and returns the interviews it created.',
    authScopes: { admin: true },
    args: { slotId: t.arg.id({ required: true, validate: uuid }) },
    resolve: async (query, _root, args, ctx) => {
      const ids = await ctx.services.matching.pairSlot(String(args.slotId));
      return ctx.db.interview.findMany({ ...query, where: { id: { in: ids } }, orderBy: { id: 'asc' } });
    },
  }),
}));

builder.subscriptionFields((t) => ({
  waitingRoom: t.field({
    type: WaitingRoomEvent,
    description:
      'JOIN_ROOM, LEAVE_ROOM and MATCHED with fresh counts, for any signed-in user (as the query). ' +
      'SERVER_SHUTDOWN (with the last counts) when the serving instance stops: resubscribe after reconnecting.',
    authScopes: { signedIn: true },
    args: { slotId: t.arg.id({ required: true, validate: uuid }) },
    subscribe: async (_root, args, ctx) => {
      const slotId = String(args.slotId);
      await ctx.services.bookings.requireSlot(slotId);
      return ctx.services.events.roomStream(slotId);
    },
    resolve: (e) => e,
  }),
  matchFound: t.field({
    type: MatchFoundEvent,
    description: "The viewer's MATCHED events, live.",
    authScopes: { signedIn: true },
    subscribe: async (_root, _args, ctx) =>
      mapIterator(await ctx.services.events.userStream(ctx.viewer!.id, null), (e) =>
        e.type === 'MATCHED' && e.interviewId
          ? { interviewId: e.interviewId, peerId: String(e.payload['peerId']), at: e.at }
          : undefined,
      ),
    resolve: (e) => e,
  }),
}));
