// npm run bench:report — how long a practice report over N interviews (500 by
// default) takes, from requestProgressReport's service call to COMPLETED, with
// its 18 stored progress steps. Baseline in the same run: the same work in one
// go (one history read, summary, the four charts, the PDF) with no steps, no
// events and no lease. Env: BENCH_DATABASE_URL, N, RUNS.
import { randomUUID } from 'node:crypto';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { buildSummary } from '../src/domain/reports.js';
import { groupsChart, ratingsChart, renderReportPdf, themesChart, weeklyChart } from '../src/services/report-pdf.js';
import { readHistory } from '../src/services/reports.js';
import { createTestDatabase } from '../test/support/db.js';
import { seedHistory } from '../test/support/history.js';

const N = Number(process.env['N'] ?? 500);
const RUNS = Number(process.env['RUNS'] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const db = await createTestDatabase();
try {
  const app = await buildApp(
    loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      JWT_SECRET: 'bench-secret-0123456789-0123456789-abcdef',
      LOG_LEVEL: 'warn',
      JOBS_ENABLED: 'false',
    }),
  );
  const { db: prisma } = app.infra;
  const { reports } = app.services;
  const users = await Promise.all(
    ['Bench', 'Peer one', 'Peer two'].map((name) =>
      prisma.user.create({ data: { id: randomUUID(), email: `${randomUUID()}@bench.local`, name, passwordHash: 'x' } }),
    ),
  );
  const [user, ...peers] = users;
  await seedHistory(
    db,
    user!.id,
    peers.map((p) => p.id),
    N,
  );
  const viewer = { id: user!.id, role: 'USER' } as Parameters<typeof reports.request>[0];

  const stepped: number[] = [];
  const oneGo: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let t0 = performance.now();
    const { id } = await reports.request(viewer);
    for (;;) {
      const r = await prisma.report.findUniqueOrThrow({ where: { id }, select: { status: true } });
      if (r.status === 'COMPLETED') break;
      if (r.status === 'FAILED') throw new Error('report failed');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    stepped.push(performance.now() - t0);

    t0 = performance.now();
    const h = await readHistory(prisma, user!.id, null, new Date());
    const summary = buildSummary(h.interviews, h.feedback, h.questions);
    const charts = [ratingsChart(summary), weeklyChart(summary), groupsChart(summary), themesChart(summary)];
    await renderReportPdf({ userName: 'Bench', generatedAt: new Date(), summary, charts });
    oneGo.push(performance.now() - t0);
  }
  const s = median(stepped);
  const b = median(oneGo);
  console.log(`| interviews | runs | report, request to COMPLETED (median) | baseline: same work in one go | ratio |`);
  console.log(`| --- | --- | --- | --- | --- |`);
  console.log(`| ${N} | ${RUNS} | ${s.toFixed(0)} ms | ${b.toFixed(0)} ms | ${(s / b).toFixed(2)}× |`);
  await app.stop();
} finally {
  await db.drop();
}
