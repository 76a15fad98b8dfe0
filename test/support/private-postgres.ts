// A PostgreSQL server of the test's own (embedded, in a temporary directory; the shared
// one on 5432 is never touched), which the test can stop and start again on the same
// port, and start with settings of its own (a low max_connections, say).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/infra/embedded-postgres.js';
import { freePort } from '../../src/infra/free-port.js';
import { createLogger } from '../../src/infra/logger.js';

export interface PrivatePostgres {
  /** The `mockmate` database on it. */
  url: string;
  running(): boolean;
  /** Starts it again (same data, same port). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it if running and deletes its data. */
  remove(): Promise<void>;
}

export async function privatePostgres(settings: Record<string, string> = {}): Promise<PrivatePostgres> {
  const log = createLogger('silent');
  // Run as root, PostgreSQL runs as the `postgres` user, which must reach the data directory.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-pg-'));
  fs.chmodSync(dataDir, 0o755);
  const port = await freePort();
  let server: EmbeddedDatabase | null = await startEmbeddedPostgres(dataDir, log, { port, settings });
  const stop = async () => {
    const s = server;
    server = null;
    await s?.stop();
  };
  return {
    url: server.url,
    running: () => server !== null,
    async start() {
      if (server) throw new Error('private postgres already running');
      server = await startEmbeddedPostgres(dataDir, log, { port, settings });
    },
    stop,
    async remove() {
      await stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
