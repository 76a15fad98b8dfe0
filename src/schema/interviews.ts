import type { RatingAverages } from '../domain/feedback.js';
import type { InterviewStats, VideoCredentials } from '../services/interviews.js';
import { builder } from './builder.js';
import { prismaConnectionArgs, uuid } from './args.js';
import { DifficultyEnum, InterviewStatusEnum, InterviewTypeEnum, ParticipantRoleEnum } from './enums.js';

export const VideoCredentialsRef = builder.objectRef<VideoCredentials>('VideoCredentials').implement({
  description: "What the viewer's client needs to join the interview's video room.",
  fields: (t) => ({
    provider: t.exposeString('provider', { description: 'Always "zego" (ZEGOCLOUD).' }),
    appId: t.exposeInt('appId'),
    roomId: t.exposeString('roomId', { description: 'The room of this interview; the token admits to it only.' }),
    token: t.exposeString('token', { description: "A ZEGOCLOUD token04 for the viewer's user id." }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'Slot end plus SESSION_GRACE_MINUTES.' }),
  }),
});

export const FeedbackRef = builder.prismaObject('Feedback', {
  description: 'What one participant thought of the other. Ratings are 1 to 5.',
  fields: (t) => ({
    id: t.exposeID('id'),
    interview: t.relation('interview'),
    author: t.relation('author'),
    subject: t.relation('subject', { description: 'The participant the feedback is about.' }),
    communication: t.exposeInt('communication'),
    technical: t.exposeInt('technical', { nullable: true }),
    problemSolving: t.exposeInt('problemSolving', { nullable: true }),
    goodMatch: t.exposeInt('goodMatch'),
    wouldPass: t.exposeBoolean('wouldPass', { nullable: true }),
    strengths: t.exposeString('strengths', { nullable: true }),
    improvements: t.exposeString('improvements', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

/** One participant of one interview; ReadReceipt (the same row) shares it. */
export const participantId = (p: { interviewId: string; userId: string }) => `${p.interviewId}:${p.userId}`;
export const participantIdDescription = 'The interview id and the user id, joined by a colon.';

export const ParticipantRef = builder.prismaObject('InterviewParticipant', {
  fields: (t) => ({
    id: t.id({ description: participantIdDescription, resolve: participantId }),
    user: t.relation('user'),
    role: t.expose('role', { type: ParticipantRoleEnum }),
    difficulty: t.expose('difficulty', {
      type: DifficultyEnum,
      description: 'The difficulty this participant booked.',
    }),
    joinedAt: t.expose('joinedAt', { type: 'DateTime', nullable: true, description: 'When they first showed up.' }),
  }),
});

export const InterviewRef = builder.prismaObject('Interview', {
  fields: (t) => ({
    id: t.exposeID('id'),
    slot: t.relation('slot'),
    type: t.expose('type', { type: InterviewTypeEnum }),
    status: t.expose('status', { type: InterviewStatusEnum }),
    participants: t.relation('participants', { query: { orderBy: { role: 'asc' } } }),
    matchedAt: t.expose('matchedAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true }),
    video: t.field({
      type: VideoCredentialsRef,
      nullable: true,
      description:
        'For participants while the interview is scheduled or in progress; null for anyone else, afterwards, and when the server has no video settings.',
      select: { status: true, slot: { select: { endsAt: true } }, participants: { select: { userId: true } } },
      resolve: (interview, _args, ctx) => ctx.services.interviews.videoFor(ctx.viewer, interview),
    }),
    feedback: t.field({
      type: [FeedbackRef],
      description:
        'Feedback the viewer gave, and feedback they received once both participants have submitted or 48 hours after the end, whichever comes first. Admins see all.',
      select: { endedAt: true, feedback: true },
      resolve: (interview, _args, ctx) => ctx.services.interviews.feedbackFor(ctx.viewer, interview),
    }),
  }),
});

export const RatingAveragesRef = builder.objectRef<RatingAverages>('RatingAverages').implement({
  description: 'Mean ratings over some received feedback; a rating is null when none of it has one.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'How many feedbacks the averages cover.' }),
    communication: t.exposeFloat('communication', { nullable: true }),
    technical: t.exposeFloat('technical', { nullable: true }),
    problemSolving: t.exposeFloat('problemSolving', { nullable: true }),
    goodMatch: t.exposeFloat('goodMatch', { nullable: true }),
  }),
});

const InterviewTypeCountRef = builder
  .objectRef<InterviewStats['completedByType'][number]>('InterviewTypeCount')
  .implement({
    fields: (t) => ({
      type: t.expose('type', { type: InterviewTypeEnum }),
      count: t.exposeInt('count'),
    }),
  });

export const InterviewStatsRef = builder.objectRef<InterviewStats>('InterviewStats').implement({
  description: "The viewer's progress. Only feedback the viewer may already see is counted.",
  fields: (t) => ({
    id: t.id({ description: "The viewer's user id.", resolve: (_s, _args, ctx) => ctx.viewer!.id }),
    completed: t.exposeInt('completed', { description: 'Interviews completed, all types.' }),
    completedByType: t.field({
      type: [InterviewTypeCountRef],
      resolve: (s) => s.completedByType,
      description: 'Every type, zero included.',
    }),
    feedbackReceived: t.exposeInt('feedbackReceived', { description: 'Feedbacks received and visible to the viewer.' }),
    averageRatings: t.field({
      type: RatingAveragesRef,
      resolve: (s) => s.averageRatings,
      description: 'Over all visible feedback received.',
    }),
    recentAverageRatings: t.field({
      type: RatingAveragesRef,
      resolve: (s) => s.recentAverageRatings,
      description: 'Over the 5 most recent visible feedbacks received.',
    }),
    noShows: t.exposeInt('noShows', { description: 'Interviews cancelled because the viewer did not show up.' }),
  }),
});

builder.queryFields((t) => ({
  interview: t.prismaField({
    type: 'Interview',
    nullable: true,
    description: 'Participants and admins only; anyone else gets NOT_FOUND.',
    authScopes: { signedIn: true },
    args: { id: t.arg.id({ required: true, validate: uuid }) },
    resolve: (query, _root, args, ctx) => ctx.services.interviews.visible(ctx.viewer!, String(args.id), query),
  }),
  myInterviews: t.prismaConnection(
    {
      type: 'Interview',
      cursor: 'id',
      description: "The viewer's interviews, newest match first.",
      authScopes: { signedIn: true },
      defaultSize: 20,
      maxSize: 100,
      validate: prismaConnectionArgs,
      resolve: (query, _root, _args, ctx) =>
        ctx.db.interview.findMany({
          ...query,
          where: { participants: { some: { userId: ctx.viewer!.id } } },
          orderBy: [{ matchedAt: 'desc' }, { id: 'desc' }],
        }),
    },
    // The contract's names for the connection and its edges (docs/api.md).
    { name: 'InterviewConnection' },
    { name: 'InterviewEdge' },
  ),
  myStats: t.field({
    type: InterviewStatsRef,
    description: 'Interviews completed per type, average ratings received (overall and the last 5), no-shows.',
    authScopes: { signedIn: true },
    resolve: (_root, _args, ctx) => ctx.services.interviews.stats(ctx.viewer!),
  }),
}));
