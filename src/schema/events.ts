import { z } from 'zod';
import type { UserEventMessage } from '../domain/events.js';
import { badInput } from '../domain/errors.js';
import { builder } from './builder.js';
import { EventTypeEnum } from './enums.js';

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
    payload: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.payload }),
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

builder.queryField('notifications', (t) =>
  t.connection({
    type: UserEventRef,
    description: "The viewer's stored events, newest first.",
    authScopes: { signedIn: true },
    args: {},
    resolve: async (_root, args, ctx) => {
      const first = args.first ?? 20;
      if (first < 1 || first > 100) throw badInput('first', 'must be between 1 and 100.');
      const after = args.after ? cursor.safeParse(args.after) : null;
      if (after && !after.success) throw badInput('after', 'must be an event id received earlier.');
      const before = after ? BigInt(after.data) : null;
      const rows = await ctx.services.events.stored(ctx.viewer!.id, before, first + 1);
      const page = rows.slice(0, first);
      return {
        edges: page.map((node) => ({ cursor: node.seq, node })),
        pageInfo: {
          hasNextPage: rows.length > first,
          hasPreviousPage: before !== null,
          startCursor: page[0]?.seq ?? null,
          endCursor: page.at(-1)?.seq ?? null,
        },
      };
    },
  }),
);
