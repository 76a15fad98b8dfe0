// The practice report as a PDF: charts drawn as SVG by ECharts' server-side
// renderer and placed as vectors with svg-to-pdfkit, then the peers' comments
// and the questions asked as text.
import * as echarts from 'echarts';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import type { ReportSummary, TrendRating } from '../domain/reports.js';

const WIDTH = 515; // A4 width minus 40 pt margins on each side
const COLORS = {
  communication: '#2563eb',
  technical: '#16a34a',
  problemSolving: '#d97706',
  cancelled: '#9ca3af',
  noShow: '#dc2626',
};
const LABEL: Record<TrendRating, string> = {
  communication: 'Communication',
  technical: 'Technical',
  problemSolving: 'Problem solving',
};

/** One chart as an SVG string. */
function svg(option: echarts.EChartsCoreOption, height = 240): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  chart.setOption({ animation: false, textStyle: { fontFamily: 'Helvetica' }, ...option });
  const out = chart.renderToSVGString();
  chart.dispose();
  return out;
}

const time = (d: Date | string) => new Date(d).getTime();
const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

/** Ratings received over time, one line per rating, with its trend line dashed. */
export function ratingsChart(s: ReportSummary): string {
  const series = (['communication', 'technical', 'problemSolving'] as const).flatMap((r) => {
    const points = s.ratingsOverTime.filter((p) => p[r] !== null).map((p) => [time(p.at), p[r]]);
    const t = s.trends.find((x) => x.rating === r);
    const line =
      t && t.start !== null && t.end !== null && points.length > 1
        ? [
            [points[0]![0], t.start],
            [points.at(-1)![0], t.end],
          ]
        : [];
    return [
      {
        name: LABEL[r],
        type: 'line',
        data: points,
        symbolSize: 5,
        lineStyle: { width: 1 },
        itemStyle: { color: COLORS[r] },
      },
      {
        name: `${LABEL[r]} trend`,
        type: 'line',
        data: line,
        symbol: 'none',
        lineStyle: { type: 'dashed', width: 2, color: COLORS[r] },
        itemStyle: { color: COLORS[r] },
      },
    ];
  });
  return svg({
    title: { text: 'Ratings received over time (dashed: trend)', textStyle: { fontSize: 13 } },
    legend: { bottom: 0, data: Object.values(LABEL), textStyle: { fontSize: 10 } },
    grid: { left: 35, right: 15, top: 35, bottom: 50 },
    xAxis: { type: 'time', axisLabel: { fontSize: 9 } },
    yAxis: { type: 'value', min: 1, max: 5, interval: 1 },
    series,
  });
}

/** Interviews per week: completed, cancelled, and how many of those the user missed. */
export function weeklyChart(s: ReportSummary): string {
  const weeks = s.weekly.map((w) => new Date(w.weekStart).toISOString().slice(0, 10));
  return svg({
    title: { text: 'Interviews per week', textStyle: { fontSize: 13 } },
    legend: { bottom: 0, textStyle: { fontSize: 10 } },
    grid: { left: 35, right: 15, top: 35, bottom: 60 },
    xAxis: { type: 'category', data: weeks, axisLabel: { fontSize: 8, rotate: weeks.length > 8 ? 45 : 0 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        name: 'Completed',
        type: 'bar',
        stack: 'n',
        data: s.weekly.map((w) => w.completed),
        itemStyle: { color: COLORS.technical },
      },
      {
        name: 'Cancelled',
        type: 'bar',
        stack: 'n',
        data: s.weekly.map((w) => w.cancelled - w.noShows),
        itemStyle: { color: COLORS.cancelled },
      },
      {
        name: 'You did not show up',
        type: 'bar',
        stack: 'n',
        data: s.weekly.map((w) => w.noShows),
        itemStyle: { color: COLORS.noShow },
      },
    ],
  });
}

/** Average ratings per interview type and difficulty, one bar per rating. */
export function groupsChart(s: ReportSummary): string {
  const groups = s.byTypeAndDifficulty.map(
    (g) => `${g.type === 'TECHNICAL' ? 'Tech' : 'Behav'} ${g.difficulty.toLowerCase()}`,
  );
  return svg({
    title: { text: 'Average ratings by type and difficulty', textStyle: { fontSize: 13 } },
    legend: { bottom: 0, textStyle: { fontSize: 10 } },
    grid: { left: 35, right: 15, top: 35, bottom: 50 },
    xAxis: { type: 'category', data: groups, axisLabel: { fontSize: 9, interval: 0 } },
    yAxis: { type: 'value', min: 0, max: 5, interval: 1 },
    series: (['communication', 'technical', 'problemSolving'] as const).map((r) => ({
      name: LABEL[r],
      type: 'bar',
      data: s.byTypeAndDifficulty.map((g) => round1(g.ratings[r])),
      itemStyle: { color: COLORS[r] },
    })),
  });
}

/** The most frequent strengths and improvements peers wrote, as horizontal bars. */
export function themesChart(s: ReportSummary): string {
  const top = (themes: ReportSummary['strengths']) => themes.slice(0, 6).reverse();
  const cut = (t: string) => (t.length > 38 ? `${t.slice(0, 37)}…` : t);
  const panel = (themes: ReportSummary['strengths'], n: number, color: string) => ({
    type: 'bar',
    xAxisIndex: n,
    yAxisIndex: n,
    data: top(themes).map((t) => t.count),
    itemStyle: { color },
    label: { show: true, position: 'right', fontSize: 9 },
  });
  return svg(
    {
      title: [
        { text: 'What peers said you do well', textStyle: { fontSize: 12 }, left: 0 },
        { text: 'What peers said to improve', textStyle: { fontSize: 12 }, left: '50%' },
      ],
      grid: [
        { left: 130, width: 110, top: 30, bottom: 10 },
        { left: 390, width: 110, top: 30, bottom: 10 },
      ],
      xAxis: [
        { type: 'value', minInterval: 1, gridIndex: 0, show: false },
        { type: 'value', minInterval: 1, gridIndex: 1, show: false },
      ],
      yAxis: [
        {
          type: 'category',
          gridIndex: 0,
          data: top(s.strengths).map((t) => cut(t.text)),
          axisLabel: { fontSize: 8, width: 125, overflow: 'truncate' },
        },
        {
          type: 'category',
          gridIndex: 1,
          data: top(s.improvements).map((t) => cut(t.text)),
          axisLabel: { fontSize: 8, width: 125, overflow: 'truncate' },
        },
      ],
      series: [panel(s.strengths, 0, COLORS.technical), panel(s.improvements, 1, COLORS.problemSolving)],
    },
    200,
  );
}

/** Assembles the PDF from the summary and the charts already drawn. */
export function renderReportPdf(input: {
  userName: string;
  generatedAt: Date;
  summary: ReportSummary;
  charts: string[];
}): Promise<Buffer> {
  const { summary: s } = input;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 40,
    info: { Title: `MockMate practice report: ${input.userName}`, Author: 'MockMate' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(20).text('MockMate practice report');
  doc
    .font('Helvetica')
    .fontSize(10)
    .fillColor('#4b5563')
    .text(`${input.userName} · generated ${input.generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  doc.moveDown(0.6).fillColor('#111827').fontSize(11);
  const avg = (n: number | null) => (n === null ? '–' : n.toFixed(1));
  doc.text(
    `${s.interviews} interviews: ${s.completed} completed, ${s.cancelled} cancelled, ${s.noShows} missed. ` +
      `Average ratings over ${s.averageRatings.count} feedbacks: communication ${avg(s.averageRatings.communication)}, ` +
      `technical ${avg(s.averageRatings.technical)}, problem solving ${avg(s.averageRatings.problemSolving)} (of 5).`,
  );
  const trendText = s.trends
    .map(
      (t) =>
        `${LABEL[t.rating]}: ${t.slopePerWeek === null ? 'not enough ratings' : `${t.slopePerWeek >= 0 ? '+' : ''}${t.slopePerWeek.toFixed(2)} per week`}`,
    )
    .join('   ');
  doc.moveDown(0.3).fontSize(9).fillColor('#4b5563').text(`Trends: ${trendText}`).fillColor('#111827');

  // Two charts per page below the header, then the rest.
  const place = (chart: string, height: number) => {
    if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
    const y = doc.y + 8;
    SVGtoPDF(doc, chart, 40, y, { assumePt: true });
    doc.y = y + height + 4;
    doc.x = 40;
  };
  const heights = [240, 240, 240, 200];
  input.charts.forEach((c, n) => place(c, heights[n] ?? 240));

  const section = (title: string) => {
    if (doc.y > doc.page.height - 120) doc.addPage();
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(13).text(title).font('Helvetica').fontSize(9).moveDown(0.3);
  };
  const list = (themes: ReportSummary['strengths']) => {
    if (themes.length === 0) doc.fillColor('#6b7280').text('None yet.').fillColor('#111827');
    for (const t of themes.slice(0, 30)) doc.text(`${t.count > 1 ? `${t.count}× ` : ''}${t.text}`, { indent: 8 });
  };
  section('Strengths peers noticed');
  list(s.strengths);
  section('What peers suggested to improve');
  list(s.improvements);
  section(`Questions you were asked (${s.questionsAsked.length})`);
  if (s.questionsAsked.length === 0) doc.fillColor('#6b7280').text('None yet.').fillColor('#111827');
  for (const q of s.questionsAsked) {
    doc.text(
      `${new Date(q.at).toISOString().slice(0, 10)}  ${q.type.toLowerCase()} · ${q.difficulty.toLowerCase()}  ${q.title}`,
      { indent: 8 },
    );
  }
  doc.end();
  return done;
}
