// Instant interviews (the "call" flow): request, respond, cancel, and the
// viewer's pending requests. A request is only ever returned to its two users.
import { effectiveStatus } from '../domain/instant-requests.js';
import { InstantRequestStatus } from '../generated/prisma/enums.js';
import { uuid } from './args.js';
import { builder } from './builder.js';
import { DifficultyEnum, InterviewTypeEnum } from './enums.js';

export const InstantRequestStatusEnum = builder.enumType(InstantRequestStatus, { name: 'InstantRequestStatus' });

export const InstantRequestRef = builder.prismaObject('InstantRequest', {
  description:
    'A request for an interview right now, from one user to an available online peer. Unanswered, it expires after 60 s.',
  fields: (t) => ({
    id: t.exposeID('id'),
    requester: t.relation('requester'),
    addressee: t.relation('addressee'),
    type: t.expose('type', { type: InterviewTypeEnum }),
    difficulty: t.expose('difficulty', { type: DifficultyEnum }),
    status: t.field({
      type: InstantRequestStatusEnum,
      description: 'EXPIRED as soon as `expiresAt` passes unanswered, even before the expiry job has run.',
      resolve: (r) => effectiveStatus(r, new Date()),
    }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why the addressee rejected it, if they said.' }),
    interview: t.relation('interview', { nullable: true, description: 'The interview created when it was accepted.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    respondedAt: t.expose('respondedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was accepted, rejected or cancelled.',
    }),
  }),
});

const InstantInterviewInput = builder.inputType('InstantInterviewInput', {
  fields: (t) => ({
    peerId: t.id({ required: true, validate: uuid }),
    type: t.field({ type: InterviewTypeEnum, required: true }),
    difficulty: t.field({ type: DifficultyEnum, required: true }),
  }),
});

builder.queryField('myInstantRequests', (t) =>
  t.prismaField({
    type: ['InstantRequest'],
    description: "The viewer's instant requests still awaiting an answer, incoming and outgoing, newest first.",
    authScopes: { signedIn: true },
    resolve: (query, _root, _args, ctx) => ctx.services.instant.pendingFor(ctx.viewer!, query),
  }),
);

builder.mutationFields((t) => ({
  requestInstantInterview: t.prismaField({
    type: 'InstantRequest',
    description:
      'Asks an online, AVAILABLE peer for an interview now; they get INSTANT_REQUEST_RECEIVED. CONFLICT (extensions.reason SELF, OFFLINE, ' +
      'BUSY or PENDING) when they cannot be asked or either of you already asked the other; RATE_LIMITED after 5 requests in 10 minutes.',
    authScopes: { signedIn: true },
    args: { input: t.arg({ type: InstantInterviewInput, required: true }) },
    resolve: (query, _root, { input }, ctx) =>
      ctx.services.instant.request(
        ctx.viewer!,
        { peerId: String(input.peerId), type: input.type, difficulty: input.difficulty },
        query,
      ),
  }),
  respondToInstantRequest: t.prismaField({
    type: 'InstantRequest',
    description:
      'The addressee accepts (an interview starts now, on a slot of its own; both get INSTANT_REQUEST_ACCEPTED with it) or ' +
      'rejects (`reason`, at most 500 characters, is kept; both get INSTANT_REQUEST_REJECTED). The requester gets FORBIDDEN; ' +
      'a request no longer pending or past its expiry, CONFLICT.',
    authScopes: { signedIn: true },
    args: {
      requestId: t.arg.id({ required: true, validate: uuid }),
      accept: t.arg.boolean({ required: true }),
      reason: t.arg.string(),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.services.instant.respond(
        ctx.viewer!,
        { requestId: String(args.requestId), accept: args.accept, reason: args.reason },
        query,
      ),
  }),
  cancelInstantRequest: t.prismaField({
    type: 'InstantRequest',
    description: 'The requester withdraws a pending request. No event is sent; the request reads CANCELLED.',
    authScopes: { signedIn: true },
    args: { requestId: t.arg.id({ required: true, validate: uuid }) },
    resolve: (query, _root, args, ctx) => ctx.services.instant.cancel(ctx.viewer!, String(args.requestId), query),
  }),
}));
