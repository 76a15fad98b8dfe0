// A Redis server of the test's own (the shared one on 6379 is never touched),
// which the test can stop and start again on the same port.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../src/infra/free-port.js';

export interface PrivateRedis {
  port: number;
  url: string;
  /** Starts redis-server on `port`; resolves once it accepts connections. */
  start(): Promise<void>;
  /** SIGKILLs it (a crash, no goodbye to clients) and waits for the exit. */
  stop(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start() {
      if (child) return Promise.reject(new Error('private redis already running'));
      const proc = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child = proc;
      return new Promise<void>((resolve, reject) => {
        let out = '';
        proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('Ready to accept connections')) resolve();
        });
        proc.once('exit', (code) => {
          if (child === proc) child = null;
          reject(new Error(`redis-server exited (${code}) before it was ready: ${out}`));
        });
      });
    },
    async stop() {
      const proc = child;
      if (!proc) return;
      child = null;
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
