// Web app size and first load: the built bundle's gzip size, and time to
// interactive in headless Chromium against a local server (median of RUNS cold
// loads of the sign-in page in fresh contexts), next to the same page's HTML
// alone as the baseline measured in the same run.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { WEB_DIST } from '../src/infra/web-static.js';
import { launchChromium } from '../test/support/browser.js';
import { createTestDatabase } from '../test/support/db.js';
import { testEnv } from '../test/support/server.js';

const RUNS = Number(process.env['RUNS'] ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const assets = fs.readdirSync(path.join(WEB_DIST, 'assets')).filter((f) => /\.(js|css)$/.test(f));
const sizes = assets.map((f) => {
  const raw = fs.readFileSync(path.join(WEB_DIST, 'assets', f));
  return { file: f, raw: raw.length, gzip: gzipSync(raw, { level: 9 }).length };
});
const total = sizes.reduce((s, x) => ({ raw: s.raw + x.raw, gzip: s.gzip + x.gzip }), { raw: 0, gzip: 0 });

const db = await createTestDatabase();
const app = await buildApp(loadConfig(testEnv(db)));
const port = await app.start(0);
const base = `http://127.0.0.1:${port}`;
const chromium = await launchChromium();
const tti: number[] = [];
const htmlOnly: number[] = [];
try {
  for (let i = 0; i < RUNS + 1; i++) {
    const context = await chromium.browser.newContext();
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto(`${base}/login`);
    // Interactive: the form is rendered by React and its submit button can be used.
    await page.getByTestId('login-submit').waitFor({ state: 'visible' });
    const t1 = performance.now();
    const r = await page.request.get(`${base}/login`);
    await r.body();
    const t2 = performance.now();
    if (i > 0) {
      tti.push(t1 - t0);
      htmlOnly.push(t2 - t1);
    }
    await context.close();
  }
} finally {
  await chromium.close();
  await app.stop();
  await db.drop();
}
for (const s of sizes)
  console.log(`${s.file}: ${(s.raw / 1024).toFixed(1)} KiB, gzip ${(s.gzip / 1024).toFixed(1)} KiB`);
console.log(`bundle (js+css): ${(total.raw / 1024).toFixed(1)} KiB, gzip ${(total.gzip / 1024).toFixed(1)} KiB`);
console.log(`time to interactive (/login, cold context, median of ${RUNS}): ${median(tti).toFixed(0)} ms`);
console.log(
  `baseline, the HTML alone over the same server: ${median(htmlOnly).toFixed(1)} ms (ratio ${(median(tti) / median(htmlOnly)).toFixed(1)}x)`,
);
