// The live interview session: start, end, swap roles, the session channel,
// and feedback. Resolvers stay thin; the rules live in services/interviews.ts.
import { z } from 'zod';
import type { SessionEventMessage } from '../domain/events.js';
import { FEEDBACK_TEXT_MAX, RATING_MAX, RATING_MIN } from '../domain/feedback.js';
import { builder } from './builder.js';
import { uuid } from './args.js';
import { EventTypeEnum } from './enums.js';
import { EventDataUnion, PAYLOAD_DEPRECATION, eventData } from './event-data.js';
import { FeedbackRef } from './interviews.js';

/** Other files add fields to it (chat adds `message`). */
export const SessionEventRef = builder.objectRef<SessionEventMessage>('SessionEvent').implement({
  description:
    'An event of one interview session, to both participants while they watch it. Not stored: the copies in each `events` stream are.',
  fields: (t) => ({
    type: t.field({ type: EventTypeEnum, resolve: (e) => e.type }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    interview: t.prismaField({
      type: 'Interview',
      resolve: (query, e, _args, ctx) => ctx.db.interview.findUniqueOrThrow({ ...query, where: { id: e.interviewId } }),
    }),
    actor: t.prismaField({
      type: 'User',
      nullable: true,
      description: 'Who caused it; null when the server did (no-show, time limit).',
      resolve: (query, e, _args, ctx) =>
        e.actorId ? ctx.db.user.findUnique({ ...query, where: { id: e.actorId } }) : null,
    }),
    data: t.field({ type: EventDataUnion, nullable: true, resolve: (e) => eventData(e.type, e.payload) }),
    payload: t.field({
      type: 'JSON',
      nullable: true,
      deprecationReason: PAYLOAD_DEPRECATION,
      resolve: (e) => e.payload,
    }),
  }),
});

const ratingRange = `must be from ${RATING_MIN} to ${RATING_MAX}`;
const rating = z
  .number()
  .int(`must be a whole number from ${RATING_MIN} to ${RATING_MAX}`)
  .min(RATING_MIN, ratingRange)
  .max(RATING_MAX, ratingRange);
const text = z
  .string()
  .refine((s) => s.trim().length <= FEEDBACK_TEXT_MAX, `must be at most ${FEEDBACK_TEXT_MAX} characters`);

const SubmitFeedbackInput = builder.inputType('SubmitFeedbackInput', {
  fields: (t) => ({
    interviewId: t.id({ required: true, validate: uuid }),
    communication: t.int({ required: true, validate: rating }),
    technical: t.int({ validate: rating }),
    problemSolving: t.int({ validate: rating }),
    goodMatch: t.int({ required: true, validate: rating, description: 'How well matched the pair was.' }),
    wouldPass: t.boolean({ description: 'Would the peer pass a real interview like this one?' }),
    strengths: t.string({
      validate: text,
      description: `At most ${FEEDBACK_TEXT_MAX} characters after trimming; blank is no text.`,
    }),
    improvements: t.string({
      validate: text,
      description: `At most ${FEEDBACK_TEXT_MAX} characters after trimming; blank is no text.`,
    }),
  }),
});

builder.mutationFields((t) => ({
  startInterview: t.prismaField({
    type: 'Interview',
    description:
      'SCHEDULED -> IN_PROGRESS, by either participant; emits SESSION_STARTED. Calling it again is harmless. Counts as showing up (PEER_JOINED to the peer).',
    authScopes: { signedIn: true },
    args: { interviewId: t.arg.id({ required: true, validate: uuid }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.interviews.startInterview(ctx.viewer!, String(args.interviewId), query),
  }),
  endInterview: t.prismaField({
    type: 'Interview',
    description: 'IN_PROGRESS -> COMPLETED, by either participant; emits SESSION_ENDED.',
    authScopes: { signedIn: true },
    args: { interviewId: t.arg.id({ required: true, validate: uuid }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.interviews.endInterview(ctx.viewer!, String(args.interviewId), query),
  }),
  swapRoles: t.prismaField({
    type: 'Interview',
    description: 'Interviewer and interviewee trade places (before or during the session); emits ROLES_SWAPPED.',
    authScopes: { signedIn: true },
    args: { interviewId: t.arg.id({ required: true, validate: uuid }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.interviews.swapRoles(ctx.viewer!, String(args.interviewId), query),
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
