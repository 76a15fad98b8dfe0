import { notFound } from '../domain/errors.js';
import { builder } from './builder.js';
import { uuid } from './args.js';
import { DifficultyEnum, InterviewStatusEnum, InterviewTypeEnum, ParticipantRoleEnum } from './enums.js';

export const ParticipantRef = builder.prismaObject('InterviewParticipant', {
  fields: (t) => ({
    user: t.relation('user'),
    role: t.expose('role', { type: ParticipantRoleEnum }),
    difficulty: t.expose('difficulty', { type: DifficultyEnum, description: 'The difficulty this participant booked.' }),
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
  }),
});

builder.queryFields((t) => ({
  interview: t.prismaField({
    type: 'Interview',
    nullable: true,
    description: 'Participants and admins only; anyone else gets NOT_FOUND.',
    authScopes: { signedIn: true },
    args: { id: t.arg.id({ required: true, validate: uuid }) },
    resolve: async (query, _root, args, ctx) => {
      const viewer = ctx.viewer!;
      const interview = await ctx.services.db.interview.findFirst({
        ...query,
        where: { id: String(args.id), ...(viewer.role === 'ADMIN' ? {} : { participants: { some: { userId: viewer.id } } }) },
      });
      if (!interview) throw notFound('Interview');
      return interview;
    },
  }),
  myInterviews: t.prismaConnection({
    type: 'Interview',
    cursor: 'id',
    description: "The viewer's interviews, newest match first.",
    authScopes: { signedIn: true },
    defaultSize: 20,
    maxSize: 100,
    resolve: (query, _root, _args, ctx) =>
      ctx.services.db.interview.findMany({
        ...query,
        where: { participants: { some: { userId: ctx.viewer!.id } } },
        orderBy: [{ matchedAt: 'desc' }, { id: 'desc' }],
      }),
  }),
}));
