// argon2 behind a per-instance cap: hashing is the most expensive thing an anonymous client can ask
// for, so at most `concurrency` run at once and at most `queue` more wait their turn; beyond that
// the caller is refused at once (RATE_LIMITED) instead of every request of the instance slowing down.
import argon2 from 'argon2';
import pLimit from 'p-limit';
import { rateLimited } from '../domain/errors.js';

// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
export const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
/** What a refused caller is told to wait: a queue's worth of hashes takes well under this. */
const BUSY_RETRY_MS = 1_000;

export type HashKind = 'hash' | 'verify';

export function createPasswordHasher({
  concurrency,
  queue,
  onRun = () => {},
}: {
  concurrency: number;
  queue: number;
  onRun?: (kind: HashKind) => void;
}) {
  const limit = pLimit(concurrency);
  function run<T>(kind: HashKind, work: () => Promise<T>): Promise<T> {
    if (limit.activeCount + limit.pendingCount >= concurrency + queue) {
      return Promise.reject(
        rateLimited('The server is busy checking passwords; try again in a moment.', BUSY_RETRY_MS),
      );
    }
    return limit(() => {
      onRun(kind);
      return work();
    });
  }
  return {
    hash: (password: string) => run('hash', () => argon2.hash(password, ARGON2)),
    verify: (hash: string, password: string) => run('verify', () => argon2.verify(hash, password)),
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
