import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient, type Prisma } from '../generated/prisma/client.js';

export type Db = PrismaClient;

type ReadMethod = 'findUnique' | 'findUniqueOrThrow' | 'findFirst' | 'findFirstOrThrow' | 'findMany' | 'count';
/** The client with its read methods only: what resolvers get, for reads Pothos plans (writes go through services). */
export type ReadDb = { readonly [M in Uncapitalize<Prisma.ModelName>]: Pick<Db[M], ReadMethod> };

/**
 * The relations a caller wants with a row (Pothos's planned `query`): a
 * service spreads it into the read or write whose row it returns, so the
 * relations come in the same query instead of one more each.
 */
export interface Planned<Include, Select> {
  include?: Include;
  select?: Select;
}
/** The client handed to `db.$transaction(async (tx) => …)` callbacks. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
/** Plain SQL on the pool Prisma uses, for the hot request path: Prisma compiles every query (raw ones too) in WebAssembly first. */
export type Sql = pg.Pool;

export interface Database {
  db: Db;
  sql: Sql;
  /** Disconnects Prisma, then ends the pool once its clients are back. */
  close(): Promise<void>;
}

/** One pg pool shared by Prisma and plain SQL. */
export function createDatabase(url: string, poolSize = 10, onIdleError: (err: Error) => void = () => {}): Database {
  const sql = new pg.Pool({ connectionString: url, max: poolSize });
  // A pooled connection dying while idle is replaced on next use; unheard, it would crash the process.
  sql.on('error', onIdleError);
  releaseDroppedClients(sql);
  const db = new PrismaClient({ adapter: new PrismaPg(sql) });
  return {
    db,
    sql,
    async close() {
      // Prisma ends a pool it was given only if it ever connected; plain SQL may have used it alone.
      await db.$disconnect();
      await sql.end();
    },
  };
}

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
  pool.on('connect', (client) => {
    // pg-pool listens for errors only while a client is idle; a checked-out client
    // losing its connection (plain SQL holds one for a whole transaction) emits
    // 'error' too, which unheard would crash the process. Its query still rejects.
    client.on('error', () => {});
    client.once('end', () =>
      setImmediate(() => {
        const held = client;
        if (checkedOut.has(held)) held.release(new Error('connection lost'));
      }),
    );
  });
}

export type SqlClient = pg.PoolClient;

/** One statement with positional parameters ($1, …) and its rows: code shared by Prisma and plain-SQL transactions. */
export type Query = <R>(text: string, values: unknown[]) => Promise<R[]>;
export const prismaQuery =
  (tx: Tx): Query =>
  (text, values) =>
    tx.$queryRawUnsafe(text, ...values);
export const pgQuery =
  (client: SqlClient): Query =>
  async <R>(text: string, values: unknown[]) =>
    (await client.query(text, values)).rows as R[];

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

/**
 * PostgreSQL refusing a connection (too many clients, starting up or shutting down, nobody
 * listening), as pg raises it or Prisma wraps it (P2037, P1001): a retryable condition,
 * unlike an error of the query itself.
 */
const REFUSED_CODES = new Set(['53300', '57P03', 'ECONNREFUSED', 'P2037', 'P1001']);
const REFUSED_MESSAGE =
  /too many clients already|remaining connection slots are reserved|the database system is (starting up|shutting down)/i;

export function databaseUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  const e = err as {
    code?: unknown;
    originalCode?: unknown;
    message?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  if (REFUSED_CODES.has(String(e.code)) || REFUSED_CODES.has(String(e.originalCode))) return true;
  if (typeof e.message === 'string' && REFUSED_MESSAGE.test(e.message)) return true;
  return databaseUnavailable(e.cause, depth + 1) || databaseUnavailable(e.meta?.driverAdapterError, depth + 1);
}
