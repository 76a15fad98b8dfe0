// The live interview session: start, end, swap roles, the session channel,
// and feedback. Resolvers stay thin; the rules live in services/interviews.ts.
import { z } from 'zod';
import type { Context } from '../context.js';
import type { SessionEventMessage } from '../domain/events.js';
import type { Prisma } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { uuid } from './args.js';
import { EventTypeEnum } from './enums.js';
import { EventDataUnion, PAYLOAD_DEPRECATION, eventData } from './event-data.js';
import { FeedbackRef } from './interviews.js';

/** Other files add fields to it (chat adds `message`). */
export const SessionEventRef = builder.objectRef<SessionEventMessage>('SessionEvent').implement({
  description: 'An event of one interview session, to both participants while they watch it. Not stored: the copies in each `events` stream are.',
  fields: (t) => ({
    type: t.field({ type: EventTypeEnum, resolve: (e) => e.type }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    interview: t.prismaField({
      type: 'Interview',
      resolve: (query, e, _args, ctx) => ctx.services.db.interview.findUniqueOrThrow({ ...query, where: { id: e.interviewId } }),
    }),
    actor: t.prismaField({
      type: 'User',
      nullable: true,
      description: 'Who caused it; null when the server did (no-show, time limit).',
      resolve: (query, e, _args, ctx) => (e.actorId ? ctx.services.db.user.findUnique({ ...query, where: { id: e.actorId } }) : null),
    }),
    data: t.field({ type: EventDataUnion, nullable: true, resolve: (e) => eventData(e.type, e.payload) }),
    payload: t.field({ type: 'JSON', nullable: true, deprecationReason: PAYLOAD_DEPRECATION, resolve: (e) => e.payload }),
  }),
});

const rating = z.number().int('must be a whole number from 1 to 5').min(1, 'must be from 1 to 5').max(5, 'must be from 1 to 5');
const text = z.string().refine((s) => s.trim().length <= 2000, 'must be at most 2000 characters');

const SubmitFeedbackInput = builder.inputType('SubmitFeedbackInput', {
  fields: (t) => ({
    interviewId: t.id({ required: true, validate: uuid }),
    communication: t.int({ required: true, validate: rating }),
    technical: t.int({ validate: rating }),
    problemSolving: t.int({ validate: rating }),
    goodMatch: t.int({ required: true, validate: rating, description: 'How well matched the pair was.' }),
    wouldPass: t.boolean({ description: 'Would the peer pass a real interview like this one?' }),
    strengths: t.string({ validate: text, description: 'At most 2000 characters after trimming; blank is no text.' }),
    improvements: t.string({ validate: text, description: 'At most 2000 characters after trimming; blank is no text.' }),
  }),
});

/**
 * The changed interview read again with the fields the client selected: fields
 * with a `select` (feedback, video) read it from the row Pothos planned.
 */
const reload = (ctx: Context, query: { include?: Prisma.InterviewInclude; select?: Prisma.InterviewSelect }, interview: { id: string }) =>
  ctx.services.db.interview.findUniqueOrThrow({ ...query, where: { id: interview.id } });

builder.mutationFields((t) => ({
  startInterview: t.prismaField({
    type: 'Interview',
    description:
      'SCHEDULED -> IN_PROGRESS, by either participant; emits SESSION_STARTED. Calling it again is harmless. Counts as showing up (PEER_JOINED to the peer).',
    authScopes: { signedIn: true },
    args: { interviewId: t.arg.id({ required: true, validate: uuid }) },
    resolve: async (query, _root, args, ctx) => reload(ctx, query, await ctx.services.interviews.startInterview(ctx.viewer!, String(args.interviewId))),
  }),
  endInterview: t.prismaField({
    type: 'Interview',
    description: 'IN_PROGRESS -> COMPLETED, by either participant; emits SESSION_ENDED.',
    authScopes: { signedIn: true },
    args: { interviewId: t.arg.id({ required: true, validate: uuid }) },
    resolve: async (query, _root, args, ctx) => reload(ctx, query, await ctx.services.interviews.endInterview(ctx.viewer!, String(args.interviewId))),
  }),
  swapRoles: t.prismaField({
    type: 'Interview',
    description: 'Interviewer and interviewee trade places (before or during the session); emits ROLES_SWAPPED.',
    authScopes: { signedIn: true },
    args: { interviewId: t.arg.id({ required: true, validate: uuid }) },
    resolve: async (query, _root, args, ctx) => reload(ctx, query, await ctx.services.interviews.swapRoles(ctx.viewer!, String(args.interviewId))),
  }),
  submitFeedback: t.field({
    type: FeedbackRef,
    description:
      'Once per participant and interview (CONFLICT after), once the interview has started (CONFLICT before). The peer gets FEEDBACK_RECEIVED.',
    authScopes: { signedIn: true },
    args: { input: t.arg({ type: SubmitFeedbackInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.services.interviews.submitFeedback(ctx.viewer!, { ...input, interviewId: String(input.interviewId) }),
  }),
}));

builder.subscriptionField('interviewSession', (t) =>
  t.field({
    type: SessionEventRef,
    description:
      "The interview's live events, for its participants. Subscribing counts as showing up: the peer gets PEER_JOINED, and PEER_LEFT when the viewer's last session subscription closes. " +
      'SERVER_SHUTDOWN (no actor) when the serving instance stops: resubscribe after reconnecting.',
    authScopes: { signedIn: true },
    args: { interviewId: t.arg.id({ required: true, validate: uuid }) },
    subscribe: (_root, args, ctx) => ctx.services.interviews.watchSession(ctx.viewer!, String(args.interviewId)),
    resolve: (e) => e,
  }),
);
