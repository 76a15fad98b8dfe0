import { builder } from './builder.js';
import { uuid } from './args.js';
import { BookingStatusEnum, DifficultyEnum } from './enums.js';

export const BookingRef = builder.prismaObject('Booking', {
  fields: (t) => ({
    id: t.exposeID('id'),
    slot: t.relation('slot'),
    user: t.relation('user'),
    difficulty: t.expose('difficulty', { type: DifficultyEnum }),
    status: t.expose('status', { type: BookingStatusEnum }),
    joinedAt: t.expose('joinedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the booking entered the waiting room.',
    }),
    interview: t.relation('interview', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const BookSlotInput = builder.inputType('BookSlotInput', {
  fields: (t) => ({
    slotId: t.id({ required: true, validate: uuid }),
    difficulty: t.field({
      type: DifficultyEnum,
      description: "Defaults to the viewer's `level`; required while they have none.",
    }),
  }),
});

builder.queryField('myBookings', (t) =>
  t.prismaField({
    type: ['Booking'],
    description: "The viewer's bookings, latest slot first.",
    authScopes: { signedIn: true },
    resolve: (query, _root, _args, ctx) => ctx.services.bookings.myBookings(ctx.viewer!, query),
  }),
);

builder.mutationFields((t) => ({
  bookSlot: t.prismaField({
    type: 'Booking',
    authScopes: { signedIn: true },
    args: { input: t.arg({ type: BookSlotInput, required: true }) },
    // The hot path runs plain SQL (README, "Hot path") and returns the bare row: Pothos loads a selected relation itself.
    resolve: (_query, _root, { input }, ctx) =>
      ctx.services.bookings.bookSlot(ctx.viewer!, { slotId: String(input.slotId), difficulty: input.difficulty }),
  }),
  cancelBooking: t.prismaField({
    type: 'Booking',
    description:
      'Cancels a booking. A MATCHED one whose interview has not started cancels that interview and puts the peer back to WAITING.',
    authScopes: { signedIn: true },
    args: { bookingId: t.arg.id({ required: true, validate: uuid }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.bookings.cancelBooking(ctx.viewer!, String(args.bookingId), query),
  }),
}));
