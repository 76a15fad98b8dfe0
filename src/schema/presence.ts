// Presence and availability: User.online, setAvailability, availablePeers (query and subscription).
import { builder } from './builder.js';
import { InterviewTypeEnum } from './enums.js';
import { AvailabilityEnum, UserRef } from './user.js';

builder.prismaObjectFields(UserRef, (t) => ({
  online: t.boolean({
    description: 'Whether the user has at least one open signed-in WebSocket connection, on any server instance.',
    resolve: (user, _args, ctx) => ctx.loaders.online.load(user.id),
  }),
}));

builder.mutationField('setAvailability', (t) =>
  t.prismaField({
    type: 'User',
    description:
      'Sets whether the viewer takes instant interview requests. AVAILABILITY_CHANGED goes to the viewer (their other devices) ' +
      'and to everyone sharing an active interview or a pending instant request with them; setting the current value announces nothing.',
    authScopes: { signedIn: true },
    args: { availability: t.arg({ type: AvailabilityEnum, required: true }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.userPresence.setAvailability(ctx.viewer!, args.availability, query),
  }),
);

builder.queryField('availablePeers', (t) =>
  t.prismaField({
    type: ['User'],
    description:
      'Users an instant interview can be requested from right now: online, AVAILABLE, not in an interview under way, ' +
      'never the viewer. With `type`, only users whose `interviewTypes` include it. At most 100, by name.',
    authScopes: { signedIn: true },
    args: { type: t.arg({ type: InterviewTypeEnum }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.userPresence.availablePeers(ctx.viewer!, args.type ?? null, query),
  }),
);

builder.subscriptionField('availablePeers', (t) =>
  t.field({
    type: [UserRef],
    description:
      'The same list as `Query.availablePeers`, at once and then again whenever it may have changed: someone came online or ' +
      'went offline, changed availability or interview types, or an interview started, ended or was accepted, on any instance.',
    authScopes: { signedIn: true },
    args: { type: t.arg({ type: InterviewTypeEnum }) },
    subscribe: (_root, args, ctx) => ctx.services.userPresence.watchAvailablePeers(ctx.viewer!, args.type ?? null),
    resolve: (peers) => peers,
  }),
);
