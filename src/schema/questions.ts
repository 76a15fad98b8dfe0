import { isAdmin } from '../domain/interview-access.js';
import { canSeeQuestion } from '../domain/questions.js';
import { builder } from './builder.js';
import { prismaConnectionArgs, uuid } from './args.js';
import { DifficultyEnum, InterviewTypeEnum } from './enums.js';

export const QuestionRef = builder.prismaObject('Question', {
  description: 'A question of the bank. `hints` are for the one who asks.',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.expose('type', { type: InterviewTypeEnum }),
    difficulty: t.expose('difficulty', { type: DifficultyEnum }),
    title: t.exposeString('title'),
    body: t.exposeString('body'),
    hints: t.exposeStringList('hints'),
    archived: t.exposeBoolean('archived', { description: 'Never assigned again; interviews that have it keep it.' }),
  }),
});

export const AssignedQuestionRef = builder.prismaObject('AssignedQuestion', {
  description: 'The question one participant asks the other in an interview.',
  fields: (t) => ({
    id: t.exposeID('id'),
    question: t.field({
      type: QuestionRef,
      nullable: true,
      description:
        'The full question for the one who asks (and admins); null for the one asked until the interview is COMPLETED.',
      select: (_args, _ctx, nested) => ({
        askedById: true,
        askedToId: true,
        interview: { select: { status: true } },
        question: nested(),
      }),
      resolve: (a, _args, ctx) =>
        ctx.viewer && canSeeQuestion({ id: ctx.viewer.id, admin: isAdmin(ctx.viewer) }, a, a.interview.status)
          ? a.question
          : null,
    }),
    askedBy: t.relation('askedBy'),
    askedTo: t.relation('askedTo'),
  }),
});

builder.prismaObjectField('Interview', 'questions', (t) =>
  t.relation('questions', {
    description: 'One question per participant, to ask the other. Swapping roles does not change who asks what.',
    query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
  }),
);

const QuestionInput = builder.inputType('QuestionInput', {
  fields: (t) => ({
    type: t.field({ type: InterviewTypeEnum, required: true }),
    difficulty: t.field({ type: DifficultyEnum, required: true }),
    title: t.string({ required: true, description: '1–200 characters.' }),
    body: t.string({ required: true, description: '1–10000 characters.' }),
    hints: t.stringList({ description: 'At most 10, each at most 1000 characters; blank ones are dropped.' }),
  }),
});

builder.queryField('questions', (t) =>
  t.prismaConnection(
    {
      type: 'Question',
      cursor: 'id',
      description: 'Admins only: the bank, archived questions included, oldest first.',
      authScopes: { admin: true },
      defaultSize: 20,
      maxSize: 100,
      args: { type: t.arg({ type: InterviewTypeEnum }), difficulty: t.arg({ type: DifficultyEnum }) },
      // Loose: the page checks must not strip the filters.
      validate: prismaConnectionArgs.loose(),
      resolve: (query, _root, args, ctx) =>
        ctx.db.question.findMany({
          ...query,
          where: {
            ...(args.type ? { type: args.type } : {}),
            ...(args.difficulty ? { difficulty: args.difficulty } : {}),
          },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        }),
    },
    { name: 'QuestionConnection' },
    { name: 'QuestionEdge' },
  ),
);

builder.mutationFields((t) => ({
  createQuestion: t.prismaField({
    type: 'Question',
    description: 'Admins only.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: QuestionInput, required: true }) },
    resolve: (query, _root, args, ctx) => ctx.services.questions.create(args.input, query),
  }),
  updateQuestion: t.prismaField({
    type: 'Question',
    description: 'Admins only. Interviews that already have the question show the new text.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true, validate: uuid }), input: t.arg({ type: QuestionInput, required: true }) },
    resolve: (query, _root, args, ctx) => ctx.services.questions.update(String(args.id), args.input, query),
  }),
  archiveQuestion: t.prismaField({
    type: 'Question',
    description: 'Admins only: the question is never assigned again.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true, validate: uuid }) },
    resolve: (query, _root, args, ctx) => ctx.services.questions.archive(String(args.id), query),
  }),
}));
