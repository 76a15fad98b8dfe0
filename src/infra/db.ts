import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
/** The client handed to `db.$transaction(async (tx) => …)` callbacks. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
/** Plain SQL on the pool Prisma uses, for the hot request path: Prisma compiles every query (raw ones too) in WebAssembly first. */
export type Sql = pg.Pool;

export interface Database {
  db: Db;
  sql: Sql;
}

/** One pg pool shared by Prisma and plain SQL; `db.$disconnect()` ends it. */
export function createDatabase(url: string, poolSize = 10, onIdleError: (err: Error) => void = () => {}): Database {
  const sql = new pg.Pool({ connectionString: url, max: poolSize });
  // A pooled connection dying while idle is replaced on next use; unheard, it would crash the process.
  sql.on('error', onIdleError);
  return { db: new PrismaClient({ adapter: new PrismaPg(sql, { disposeExternalPool: true }) }), sql };
}

export function createDb(url: string, poolSize = 10): Db {
  return createDatabase(url, poolSize).db;
}

export type SqlClient = pg.PoolClient;

/** BEGIN … COMMIT on one pooled connection; ROLLBACK when `fn` throws. */
export async function sqlTransaction<T>(sql: Sql, fn: (client: SqlClient) => Promise<T>): Promise<T> {
  const client = await sql.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    // A connection whose ROLLBACK failed is in an unknown state: destroy it rather than pool it.
    await client.query('ROLLBACK').then(
      () => client.release(),
      (rollbackErr: Error) => client.release(rollbackErr),
    );
    throw err;
  }
}
