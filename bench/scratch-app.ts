// The orchestrator's side of a bench run: a scratch database, the environment
// every API instance under test gets, and an app instance of the orchestrator's
// own (never started) that migrates the database, mints access tokens and
// publishes events. Kept out of support.ts, which the child processes import:
// they must not load the app.
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { appEnv, createScratchDatabase, onCleanup } from './support.js';

/**
 * Scratch database `mm_bench_<tag>_…`, the environment of the instances under
 * test (appEnv + `extraEnv`) and the orchestrator's app (that environment +
 * `ownEnv`), stopped by the cleanup.
 */
export async function startBench(
  tag: string,
  extraEnv: Record<string, string> = {},
  ownEnv: Record<string, string> = {},
) {
  const db = await createScratchDatabase(tag);
  const env = appEnv(db.url, extraEnv);
  const app = await buildApp(loadConfig({ ...env, ...ownEnv }));
  onCleanup(() => app.stop());
  return { db, env, app };
}
