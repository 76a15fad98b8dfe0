import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
/** The client handed to `db.$transaction(async (tx) => …)` callbacks. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export function createDb(url: string, poolSize = 10): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  releaseDroppedClients(pool);
  return new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
}

/**
 * Prisma releases a transaction's connection only after its ROLLBACK succeeds. When the
 * database drops the connection, ROLLBACK fails and the client stays checked out for good:
 * every outage would shrink the pool, and ending it would wait forever. Such a client is
 * released here as broken (after Prisma's own error handling had its turn), so the pool replaces it.
 */
export function releaseDroppedClients(pool: pg.Pool) {
  const checkedOut = new Set<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_err, client) => checkedOut.delete(client));
  pool.on('connect', (client) =>
    client.once('end', () =>
      setImmediate(() => {
        const held = client as pg.PoolClient;
        if (checkedOut.has(held)) held.release(new Error('connection lost'));
      }),
    ),
  );
}
