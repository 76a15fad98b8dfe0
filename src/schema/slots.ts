import { z } from 'zod';
import { builder } from './builder.js';
import { InterviewTypeEnum } from './enums.js';
import { SLOT_DURATION_MAX, SLOT_DURATION_MIN } from '../domain/slots.js';

export const SlotRef = builder.prismaObject('Slot', {
  fields: (t) => ({
    id: t.exposeID('id'),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    endsAt: t.expose('endsAt', { type: 'DateTime' }),
    type: t.expose('type', { type: InterviewTypeEnum }),
    bookedCount: t.int({
      description: 'Active bookings (BOOKED, WAITING or MATCHED).',
      resolve: async (slot, _args, ctx) => (await ctx.loaders.slotCounts.load(slot.id)).booked,
    }),
    waitingCount: t.int({
      description:
        "The waiting room's count: signed-in users only, like Query.waitingRoom and Subscription.waitingRoom.",
      authScopes: { signedIn: true },
      resolve: async (slot, _args, ctx) => (await ctx.loaders.slotCounts.load(slot.id)).waiting,
    }),
  }),
});

const CreateSlotInput = builder.inputType('CreateSlotInput', {
  fields: (t) => ({
    startsAt: t.field({
      type: 'DateTime',
      required: true,
      description: 'Any offset; stored in UTC. Must be a whole minute in the future.',
    }),
    durationMinutes: t.int({
      required: true,
      validate: z
        .number()
        .int()
        .min(SLOT_DURATION_MIN, `must be at least ${SLOT_DURATION_MIN}`)
        .max(SLOT_DURATION_MAX, `must be at most ${SLOT_DURATION_MAX}`),
    }),
    type: t.field({ type: InterviewTypeEnum, required: true }),
  }),
});

builder.queryField('slots', (t) =>
  t.prismaField({
    type: ['Slot'],
    description: 'Slots overlapping [from, to) (default: now to 8 days ahead), earliest first.',
    args: {
      from: t.arg({ type: 'DateTime' }),
      to: t.arg({ type: 'DateTime' }),
      type: t.arg({ type: InterviewTypeEnum }),
    },
    resolve: (query, _root, args, ctx) => ctx.services.bookings.listSlots(args, query),
  }),
);

builder.mutationField('createSlot', (t) =>
  t.prismaField({
    type: 'Slot',
    description: 'Admins only.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateSlotInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => ctx.services.bookings.createSlot(ctx.viewer!, input, query),
  }),
);
