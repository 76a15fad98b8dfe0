import type {
  RatingGroup,
  RatingPoint,
  ReportQuestion,
  ReportSummary,
  Theme,
  Trend,
  WeekPoint,
} from '../domain/reports.js';
import { ReportStatus } from '../generated/prisma/enums.js';
import { builder } from './builder.js';
import { prismaConnectionArgs } from './args.js';
import { DifficultyEnum, InterviewTypeEnum } from './enums.js';
import { InterviewStatsRef, RatingAveragesRef } from './interviews.js';

const ReportStatusEnum = builder.enumType(ReportStatus, { name: 'ReportStatus' });
const TrendRatingEnum = builder.enumType('TrendRating', {
  values: ['COMMUNICATION', 'TECHNICAL', 'PROBLEM_SOLVING'] as const,
});
const TREND_NAMES = {
  communication: 'COMMUNICATION',
  technical: 'TECHNICAL',
  problemSolving: 'PROBLEM_SOLVING',
} as const;

const WeekRef = builder.objectRef<WeekPoint>('WeekStats').implement({
  description: 'One week (Monday 00:00 UTC onwards): interviews matched that week and ratings received that week.',
  fields: (t) => ({
    weekStart: t.expose('weekStart', { type: 'DateTime' }),
    interviews: t.exposeInt('interviews'),
    completed: t.exposeInt('completed'),
    cancelled: t.exposeInt('cancelled'),
    noShows: t.exposeInt('noShows', { description: 'Cancelled because the viewer did not show up.' }),
    ratings: t.field({ type: RatingAveragesRef, resolve: (w) => w.ratings }),
  }),
});

const RatingGroupRef = builder.objectRef<RatingGroup>('ReportRatingGroup').implement({
  fields: (t) => ({
    type: t.expose('type', { type: InterviewTypeEnum }),
    difficulty: t.expose('difficulty', { type: DifficultyEnum, description: 'The difficulty the user booked.' }),
    interviews: t.exposeInt('interviews'),
    completed: t.exposeInt('completed'),
    ratings: t.field({ type: RatingAveragesRef, resolve: (g) => g.ratings }),
  }),
});

const RatingPointRef = builder.objectRef<RatingPoint>('ReportRatingPoint').implement({
  description: 'The ratings of one feedback received, when it was given.',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime' }),
    interviewId: t.exposeID('interviewId'),
    type: t.expose('type', { type: InterviewTypeEnum }),
    difficulty: t.expose('difficulty', { type: DifficultyEnum }),
    communication: t.exposeInt('communication'),
    technical: t.exposeInt('technical', { nullable: true }),
    problemSolving: t.exposeInt('problemSolving', { nullable: true }),
  }),
});

const TrendRef = builder.objectRef<Trend>('RatingTrend').implement({
  description: 'A least-squares line through one rating over time.',
  fields: (t) => ({
    rating: t.field({ type: TrendRatingEnum, resolve: (x) => TREND_NAMES[x.rating] }),
    samples: t.exposeInt('samples'),
    slopePerWeek: t.exposeFloat('slopePerWeek', {
      nullable: true,
      description: 'Change per week; null with fewer than two ratings at different times.',
    }),
    start: t.exposeFloat('start', { nullable: true, description: "The line's value at the first rating." }),
    end: t.exposeFloat('end', { nullable: true, description: "The line's value at the last rating." }),
  }),
});

const ThemeRef = builder.objectRef<Theme>('FeedbackTheme').implement({
  description: 'A remark peers wrote, with how many wrote it (ignoring case, spacing and final punctuation).',
  fields: (t) => ({ text: t.exposeString('text'), count: t.exposeInt('count') }),
});

const ReportQuestionRef = builder.objectRef<ReportQuestion>('ReportQuestion').implement({
  fields: (t) => ({
    title: t.exposeString('title'),
    type: t.expose('type', { type: InterviewTypeEnum }),
    difficulty: t.expose('difficulty', { type: DifficultyEnum }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

const ReportSummaryRef = builder.objectRef<ReportSummary>('ReportSummary').implement({
  description:
    'What the PDF shows, as data. Only feedback the user may see and questions of completed interviews count.',
  fields: (t) => ({
    interviews: t.exposeInt('interviews', { description: 'Every interview the user took part in.' }),
    completed: t.exposeInt('completed'),
    cancelled: t.exposeInt('cancelled'),
    noShows: t.exposeInt('noShows'),
    averageRatings: t.field({ type: RatingAveragesRef, resolve: (s) => s.averageRatings }),
    byTypeAndDifficulty: t.field({ type: [RatingGroupRef], resolve: (s) => s.byTypeAndDifficulty }),
    ratingsOverTime: t.field({ type: [RatingPointRef], resolve: (s) => s.ratingsOverTime }),
    trends: t.field({ type: [TrendRef], resolve: (s) => s.trends }),
    strengths: t.field({ type: [ThemeRef], resolve: (s) => s.strengths }),
    improvements: t.field({ type: [ThemeRef], resolve: (s) => s.improvements }),
    questionsAsked: t.field({ type: [ReportQuestionRef], resolve: (s) => s.questionsAsked }),
    weekly: t.field({ type: [WeekRef], resolve: (s) => s.weekly }),
  }),
});

builder.prismaObject('Report', {
  description:
    "A practice report over all of the viewer's interviews; progress arrives as REPORT_* events on `events`.",
  select: { id: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: ReportStatusEnum }),
    progress: t.exposeInt('progress', { description: '0–100.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it COMPLETED or FAILED.',
    }),
    error: t.exposeString('error', { nullable: true }),
    downloadUrl: t.string({
      nullable: true,
      description:
        'Once COMPLETED: a signed link to the PDF on this API (relative to its origin), valid 15 minutes; read the field again for a fresh one.',
      select: { status: true },
      resolve: (r, _args, ctx) => ctx.services.reports.downloadUrl(r),
    }),
    summary: t.field({
      type: ReportSummaryRef,
      nullable: true,
      select: { summary: true },
      resolve: (r) => (r.summary as ReportSummary | null) ?? null,
    }),
  }),
});

builder.mutationField('requestProgressReport', (t) =>
  t.prismaField({
    type: 'Report',
    description:
      "Starts a report over all of the viewer's interviews; while one is PENDING or RUNNING, returns that one.",
    authScopes: { signedIn: true },
    resolve: (query, _root, _args, ctx) => ctx.services.reports.request(ctx.viewer!, query),
  }),
);

builder.queryField('myReports', (t) =>
  t.prismaConnection(
    {
      type: 'Report',
      cursor: 'id',
      description: "The viewer's reports, newest first.",
      authScopes: { signedIn: true },
      defaultSize: 20,
      maxSize: 100,
      validate: prismaConnectionArgs,
      resolve: (query, _root, _args, ctx) =>
        ctx.db.report.findMany({
          ...query,
          where: { userId: ctx.viewer!.id },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        }),
    },
    { name: 'ReportConnection' },
    { name: 'ReportEdge' },
  ),
);

builder.objectField(InterviewStatsRef, 'weekly', (t) =>
  t.field({
    type: [WeekRef],
    description:
      'Per week from the first interview to the last, empty weeks included: counts and average ratings received.',
    resolve: (_s, _args, ctx) => ctx.services.reports.weekly(ctx.viewer!),
  }),
);
