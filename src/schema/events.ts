import { z } from 'zod';
import type { UserEventMessage } from '../domain/events.js';
import { badInput } from '../domain/errors.js';
import { builder } from './builder.js';
import { EventTypeEnum } from './enums.js';
import { EventDataUnion, PAYLOAD_DEPRECATION, eventData } from './event-data.js';

const cursor = z.string().regex(/^\d{1,18}$/, 'must be an event id received earlier');

export const UserEventRef = builder.objectRef<UserEventMessage>('UserEvent').implement({
  description: 'An event addressed to the viewer. `id` is a cursor that increases per user.',
  fields: (t) => ({
    id: t.string({ resolve: (e) => e.seq }),
    type: t.field({ type: EventTypeEnum, resolve: (e) => e.type }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    interview: t.prismaField({
      type: 'Interview',
      nullable: true,
      resolve: (query, e, _args, ctx) =>
        e.interviewId ? ctx.db.interview.findUnique({ ...query, where: { id: e.interviewId } }) : null,
    }),
    data: t.field({ type: EventDataUnion, nullable: true, resolve: (e) => eventData(e.type, e.payload) }),
    slot: t.prismaField({
      type: 'Slot',
      nullable: true,
      description: 'The slot the event is about (MATCHED, MATCH_CANCELLED, SLOT_REMINDER); null for the others.',
      resolve: (query, e, _args, ctx) =>
        typeof e.payload['slotId'] === 'string'
          ? ctx.db.slot.findUnique({ ...query, where: { id: e.payload['slotId'] } })
          : null,
    }),
    payload: t.field({
      type: 'JSON',
      nullable: true,
      deprecationReason: PAYLOAD_DEPRECATION,
      resolve: (e) => e.payload,
    }),
  }),
});

builder.subscriptionField('events', (t) =>
  t.field({
    type: UserEventRef,
    description:
      'Replays every stored event after `after` in order, then streams live ones, with no gap and no duplicate. Without `after`, live events only. ' +
      'When the serving instance stops, the last event is SERVER_SHUTDOWN, which is not stored (not in `notifications`, not replayed): ' +
      'its `id` is the last id delivered, to resume from with `events(after:)`.',
    authScopes: { signedIn: true },
    args: { after: t.arg.string({ validate: cursor }) },
    subscribe: (_root, args, ctx) =>
      ctx.services.events.userStream(ctx.viewer!.id, args.after ? BigInt(args.after) : null),
    resolve: (e) => e,
  }),
);

// Paged by hand rather than with plugin-relay's resolveCursorConnection for the reason given at chat's messagePage:
// cursors are event ids clients already hold, and bad arguments must be BAD_USER_INPUT.
builder.queryField('notifications', (t) =>
  t.connection(
    {
      type: UserEventRef,
      description:
        "The viewer's stored events, newest first. Forward: `first` (default 20) older than `after`; backward: `last` newer than " +
        '`before` (the `last` ones just before that cursor in this order). Cursors are event ids; at most 100 per page.',
      authScopes: { signedIn: true },
      args: {},
      resolve: (_root, args, ctx) => {
        const parse = (name: 'after' | 'before') => {
          const raw = args[name];
          if (raw === null || raw === undefined) return null;
          const parsed = cursor.safeParse(raw);
          if (!parsed.success) throw badInput(name, 'must be an event id received earlier.');
          return BigInt(parsed.data);
        };
        for (const name of ['first', 'last'] as const) {
          const n = args[name];
          if (n !== null && n !== undefined && (n < 1 || n > 100)) throw badInput(name, 'must be between 1 and 100.');
        }
        if (args.first != null && args.last != null) throw badInput('last', 'cannot be combined with first.');
        return ctx.services.notifications.page(ctx.viewer!, {
          first: args.first,
          after: parse('after'),
          last: args.last,
          before: parse('before'),
        });
      },
    },
    // docs/api.md's names for the connection and its edges.
    { name: 'UserEventConnection' },
    { name: 'UserEventEdge' },
  ),
);
