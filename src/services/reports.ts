// Practice reports. The Report row is the work queue: requesting one inserts
// it PENDING (a partial unique index allows one PENDING or RUNNING per user)
// and starts a runner on this instance at once; the `build-reports` job runs
// the same claim loop everywhere, so a report whose runner died (its lease
// ran out) is taken over by another instance. Each step renews the lease and
// stores its REPORT_PROGRESS event in the same transaction; any error ends the
// report FAILED with REPORT_FAILED.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';
import { AppError } from '../domain/errors.js';
import { canSeeFeedback } from '../domain/feedback.js';
import { canSeeQuestion } from '../domain/questions.js';
import {
  REPORT_LEASE_MS,
  REPORT_MAX_ATTEMPTS,
  buildSummary,
  slices,
  stepProgress,
  weeklySeries,
  type ReportFeedback,
  type ReportInterview,
  type ReportQuestion,
  type ReportSummary,
} from '../domain/reports.js';
import { Prisma, type Report } from '../generated/prisma/client.js';
import type { Db, Planned } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Viewer } from './accounts.js';
import type { Events } from './events.js';

/** How long a download link works. */
export const DOWNLOAD_TTL_MS = 15 * 60_000;
/** Reports built at once by one instance; more wait in the queue. */
const RUNNERS_PER_INSTANCE = 2;
/** Everything but the PDF bytes, for reads that return the row. */
export const REPORT_FIELDS = {
  id: true,
  userId: true,
  status: true,
  progress: true,
  attempts: true,
  leaseUntil: true,
  runner: true,
  createdAt: true,
  completedAt: true,
  error: true,
  summary: true,
} as const satisfies Prisma.ReportSelect;

type ReportQuery = Planned<Prisma.ReportInclude, Prisma.ReportSelect>;

interface Claimed {
  id: string;
  userId: string;
  attempts: number;
  progress: number;
}

/** The runner lost its claim (another instance took the report over, or this one is stopping). */
class LostClaim extends Error {}

/** The user's history for reports and weekly stats; only what the user may see of feedback and questions. */
export async function readHistory(db: Db, userId: string, interviewIds: string[] | null, now: Date) {
  const rows = await db.interview.findMany({
    where: interviewIds ? { id: { in: interviewIds } } : { participants: { some: { userId } } },
    select: {
      id: true,
      type: true,
      status: true,
      matchedAt: true,
      endedAt: true,
      participants: { where: { userId }, select: { difficulty: true, noShow: true } },
      feedback: {
        select: {
          authorId: true,
          subjectId: true,
          createdAt: true,
          communication: true,
          technical: true,
          problemSolving: true,
          goodMatch: true,
          strengths: true,
          improvements: true,
        },
      },
      questions: {
        where: { askedToId: userId },
        select: {
          askedById: true,
          askedToId: true,
          createdAt: true,
          question: { select: { title: true, type: true, difficulty: true } },
        },
      },
    },
  });
  const viewer = { id: userId, admin: false };
  const interviews: ReportInterview[] = [];
  const feedback: ReportFeedback[] = [];
  const questions: ReportQuestion[] = [];
  for (const i of rows) {
    const me = i.participants[0];
    if (!me) continue;
    interviews.push({
      id: i.id,
      type: i.type,
      difficulty: me.difficulty,
      status: i.status,
      matchedAt: i.matchedAt,
      noShow: me.noShow,
    });
    const authors = i.feedback.map((f) => f.authorId);
    for (const f of i.feedback) {
      if (
        f.subjectId !== userId ||
        !canSeeFeedback({ viewer, feedback: f, authorsInInterview: authors, interviewEndedAt: i.endedAt, now })
      )
        continue;
      feedback.push({ interviewId: i.id, at: f.createdAt, ...pick(f) });
    }
    for (const q of i.questions) {
      if (canSeeQuestion(viewer, q, i.status))
        questions.push({
          title: q.question.title,
          type: q.question.type,
          difficulty: q.question.difficulty,
          at: q.createdAt,
        });
    }
  }
  return { interviews, feedback, questions };
}

const pick = (f: Omit<ReportFeedback, 'interviewId' | 'at'>) => ({
  communication: f.communication,
  technical: f.technical,
  problemSolving: f.problemSolving,
  goodMatch: f.goodMatch,
  strengths: f.strengths,
  improvements: f.improvements,
});

export function createReports({ db, events, config, log }: { db: Db; events: Events; config: Config; log: Logger }) {
  const signingKey = createHmac('sha256', config.jwtSecret).update('report-download').digest();
  const sign = (id: string, expires: number) =>
    createHmac('sha256', signingKey).update(`${id}:${expires}`).digest('base64url');
  let runners = 0;
  let closing = false;
  const active = new Set<Promise<void>>();

  /** Takes the oldest report waiting, or one whose runner's lease ran out. */
  async function claim(): Promise<Claimed | null> {
    const rows = await db.$queryRaw<Claimed[]>`
      UPDATE "Report" r SET status = 'RUNNING', attempts = r.attempts + 1, runner = ${config.instanceName},
        "leaseUntil" = now() + ${`${REPORT_LEASE_MS} milliseconds`}::interval
      WHERE r.id = (
        SELECT id FROM "Report"
        WHERE status = 'PENDING' OR (status = 'RUNNING' AND "leaseUntil" < now())
        ORDER BY "createdAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING r.id, r."userId", r.attempts, r.progress`;
    return rows[0] ?? null;
  }

  /** Ends the report FAILED with REPORT_FAILED, if this runner still holds it. */
  async function fail(report: Claimed, reason: string) {
    await events.transaction(async (tx, emit) => {
      const { count } = await tx.report.updateMany({
        where: { id: report.id, status: 'RUNNING', runner: config.instanceName },
        data: { status: 'FAILED', error: reason, completedAt: new Date(), leaseUntil: null },
      });
      if (count) emit.user({ userId: report.userId, type: 'REPORT_FAILED', payload: { reportId: report.id, reason } });
    });
  }

  async function build(report: Claimed) {
    // ECharts and pdfkit load on the first report, not at every start.
    const { groupsChart, ratingsChart, renderReportPdf, themesChart, weeklyChart } = await import('./report-pdf.js');
    const steps: { name: string; run: () => Promise<void> | void }[] = [];
    let ids: string[] = [];
    const history = {
      interviews: [] as ReportInterview[],
      feedback: [] as ReportFeedback[],
      questions: [] as ReportQuestion[],
    };
    let summary!: ReportSummary;
    const charts: string[] = [];
    let pdf!: Buffer;
    let userName = '';
    const now = new Date();

    steps.push({
      name: 'listing interviews',
      run: async () => {
        const [user, rows] = await Promise.all([
          db.user.findUniqueOrThrow({ where: { id: report.userId }, select: { name: true } }),
          db.interviewParticipant.findMany({
            where: { userId: report.userId },
            select: { interviewId: true },
            orderBy: { interviewId: 'asc' },
          }),
        ]);
        userName = user.name;
        ids = rows.map((r) => r.interviewId);
      },
    });
    for (let n = 0; n < 10; n++) {
      steps.push({
        name: `reading interviews (${n + 1}/10)`,
        run: async () => {
          const slice = slices(ids)[n]!;
          if (slice.length === 0) return;
          const part = await readHistory(db, report.userId, slice, now);
          history.interviews.push(...part.interviews);
          history.feedback.push(...part.feedback);
          history.questions.push(...part.questions);
        },
      });
    }
    steps.push({
      name: 'summarising',
      run: () => void (summary = buildSummary(history.interviews, history.feedback, history.questions)),
    });
    steps.push({ name: 'charting ratings over time', run: () => void charts.push(ratingsChart(summary)) });
    steps.push({ name: 'charting interviews per week', run: () => void charts.push(weeklyChart(summary)) });
    steps.push({ name: 'charting ratings by type and difficulty', run: () => void charts.push(groupsChart(summary)) });
    steps.push({ name: 'charting peer comments', run: () => void charts.push(themesChart(summary)) });
    steps.push({
      name: 'writing the PDF',
      run: async () => void (pdf = await renderReportPdf({ userName, generatedAt: now, summary, charts })),
    });

    const total = steps.length + 1; // the last one stores the result
    if (report.attempts === 1 || report.progress === 0) {
      await events.transaction(async (_tx, emit) =>
        emit.user({
          userId: report.userId,
          type: 'REPORT_STARTED',
          payload: { reportId: report.id, attempt: report.attempts },
        }),
      );
    }
    for (const [n, step] of steps.entries()) {
      if (closing) throw new LostClaim();
      await step.run();
      const progress = stepProgress(n + 1, total);
      await events.transaction(async (tx, emit) => {
        const { count } = await tx.report.updateMany({
          where: { id: report.id, status: 'RUNNING', runner: config.instanceName },
          data: {
            progress: { set: Math.max(progress, report.progress) },
            leaseUntil: new Date(Date.now() + REPORT_LEASE_MS),
          },
        });
        if (!count) throw new LostClaim();
        // A run taking over stays silent until it passes what the dead runner had announced: progress never goes back.
        if (progress > report.progress)
          emit.user({
            userId: report.userId,
            type: 'REPORT_PROGRESS',
            payload: { reportId: report.id, progress, step: step.name },
          });
      });
    }
    await events.transaction(async (tx, emit) => {
      const { count } = await tx.report.updateMany({
        where: { id: report.id, status: 'RUNNING', runner: config.instanceName },
        data: {
          status: 'COMPLETED',
          progress: 100,
          completedAt: new Date(),
          leaseUntil: null,
          pdf: new Uint8Array(pdf),
          summary: JSON.parse(JSON.stringify(summary)) as Prisma.InputJsonValue,
        },
      });
      if (!count) throw new LostClaim();
      emit.user({
        userId: report.userId,
        type: 'REPORT_PROGRESS',
        payload: { reportId: report.id, progress: 100, step: 'done' },
      });
      emit.user({ userId: report.userId, type: 'REPORT_COMPLETED', payload: { reportId: report.id } });
    });
  }

  /** Builds one claimed report to the end, FAILED on any error; a stopping instance hands it back instead. */
  async function runOne(report: Claimed) {
    if (report.attempts > REPORT_MAX_ATTEMPTS) {
      return fail(report, `The report was interrupted ${REPORT_MAX_ATTEMPTS} times; request a new one.`);
    }
    try {
      await build(report);
    } catch (err) {
      if (err instanceof LostClaim) {
        if (closing) {
          // Back in the queue at once, this run not counted: another instance picks it up.
          await db.report
            .updateMany({
              where: { id: report.id, status: 'RUNNING', runner: config.instanceName },
              data: { status: 'PENDING', runner: null, leaseUntil: null, attempts: { decrement: 1 } },
            })
            .catch((e: unknown) => log.warn({ err: e, reportId: report.id }, 'could not hand a report back'));
        }
        return;
      }
      log.error({ err, reportId: report.id }, 'report failed');
      const reason =
        err instanceof AppError
          ? err.message
          : 'The report could not be built (a server or database error); request a new one.';
      // The database may be coming back: a few tries; if all fail, the lease runs out and a later claim fails it for good.
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          return await fail(report, reason);
        } catch (e) {
          log.warn({ err: e, reportId: report.id }, 'could not record a failed report yet');
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        }
      }
    }
  }

  const service = {
    /** The viewer's running report, or a new one; its runner starts on this instance at once. */
    async request(viewer: Viewer, query: ReportQuery = { select: REPORT_FIELDS }): Promise<Report> {
      const running = () =>
        db.report.findFirst({ ...query, where: { userId: viewer.id, status: { in: ['PENDING', 'RUNNING'] } } });
      const existing = await running();
      if (existing) return existing;
      let created: Report;
      try {
        created = await db.report.create({ ...query, data: { userId: viewer.id } });
      } catch (err) {
        // A concurrent request won the partial unique index: theirs is the running one.
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
          const other = await running();
          if (other) return other;
        }
        throw err;
      }
      void service.runPending();
      return created;
    },

    /**
     * Claims and builds reports until none is waiting, in the background; at
     * most RUNNERS_PER_INSTANCE at once here. Returns the run, for the job and tests.
     */
    runPending(): Promise<void> {
      if (closing || runners >= RUNNERS_PER_INSTANCE) return Promise.resolve();
      runners += 1;
      const run = (async () => {
        try {
          for (let report = await claim(); report && !closing; report = await claim()) await runOne(report);
        } catch (err) {
          log.warn({ err }, 'report runner stopped');
        } finally {
          runners -= 1;
        }
      })();
      active.add(run);
      void run.finally(() => active.delete(run));
      return run;
    },

    /** A signed link to the PDF, valid DOWNLOAD_TTL_MS; null until the report is COMPLETED. */
    downloadUrl(report: { id: string; status: string }, now = Date.now()): string | null {
      if (report.status !== 'COMPLETED') return null;
      const expires = Math.floor((now + DOWNLOAD_TTL_MS) / 1000);
      return `/reports/${report.id}.pdf?expires=${expires}&signature=${sign(report.id, expires)}`;
    },

    /** Serves GET /reports/<id>.pdf: the PDF when the signature is right and unexpired; 403 or 404 otherwise. */
    async download(
      path: string,
      query: URLSearchParams,
      now = Date.now(),
    ): Promise<{ status: number; pdf?: Uint8Array; message?: string }> {
      const m = /^\/reports\/([0-9a-f-]{36})\.pdf$/.exec(path);
      const expires = Number(query.get('expires'));
      const given = Buffer.from(query.get('signature') ?? '');
      if (!m) return { status: 404, message: 'Not found.' };
      const wanted = Buffer.from(sign(m[1]!, expires));
      if (!Number.isInteger(expires) || given.length !== wanted.length || !timingSafeEqual(given, wanted))
        return { status: 403, message: 'The link is not valid.' };
      if (expires * 1000 < now)
        return { status: 403, message: 'The link has expired; fetch the report again for a new one.' };
      const report = await db.report.findUnique({ where: { id: m[1]! }, select: { status: true, pdf: true } });
      if (report?.status !== 'COMPLETED' || !report.pdf) return { status: 404, message: 'Not found.' };
      return { status: 200, pdf: report.pdf };
    },

    /** myStats' weekly series, from the same history a report reads. */
    async weekly(viewer: Viewer, now = new Date()) {
      const h = await readHistory(db, viewer.id, null, now);
      return weeklySeries(h.interviews, h.feedback);
    },

    /** For shutdown: runners stop between steps and hand their reports back to the queue. */
    async close() {
      closing = true;
      await Promise.allSettled([...active]);
    },
  };
  return service;
}

export type Reports = ReturnType<typeof createReports>;
