import { Pool, type PoolClient } from 'pg';

export type { Pool, PoolClient };

const SCHEMA_NAME = /^[a-z][a-z0-9_]*$/;

export interface PoolLimits {
  max?: number;
  /** Waiting longer than this for a connection fails fast (→ 503) instead of hanging. */
  connectionTimeoutMs?: number;
  /** A statement running longer than this is cancelled by PostgreSQL (SQLSTATE 57014). */
  statementTimeoutMs?: number;
  /** A transaction left idle this long (a holder stuck elsewhere) is ended by PostgreSQL. */
  idleInTransactionTimeoutMs?: number;
}

/**
 * A pool whose connections only see the service's own schema (search_path), so service
 * SQL never names a schema and can never read another service's tables by accident.
 * Every wait is bounded: acquiring a connection, a statement, an idle transaction.
 */
export function createPool(databaseUrl: string, schema: string, limits: PoolLimits = {}): Pool {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`Invalid schema name "${schema}"`);
  const settings = [
    `-c search_path=${schema}`,
    // A commit must be on disk (in WAL) before its caller hears of it: consumers ack the
    // message, answer a request or the fan once their transaction committed. With
    // `synchronous_commit=off` a PostgreSQL crash loses commits it already acknowledged,
    // and the inbox row with them while the message stays acked (found by the chaos run:
    // a paid order whose tickets were never issued). Forced here whatever the server's default.
    '-c synchronous_commit=on',
    `-c statement_timeout=${limits.statementTimeoutMs ?? 10_000}`,
    `-c idle_in_transaction_session_timeout=${limits.idleInTransactionTimeoutMs ?? 15_000}`,
  ];
  const pool = new Pool({
    connectionString: databaseUrl,
    max: limits.max ?? 10,
    connectionTimeoutMillis: limits.connectionTimeoutMs ?? 5_000,
    options: settings.join(' '),
    application_name: schema,
  });
  // An idle client can lose its connection (e.g. PostgreSQL restarts); the pool replaces it.
  pool.on('error', () => undefined);
  // A checked-out client that loses its connection emits 'error' too; with no listener that
  // is an uncaught exception that ends the process. The query in flight rejects anyway, and
  // its caller releases the client as broken.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/** Runs `work` in one transaction; rolls back on any error. */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      // The connection itself is gone: destroy the client instead of pooling it again.
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** PostgreSQL error codes the domain reacts to. */
export const PgErrorCode = {
  uniqueViolation: '23505',
  checkViolation: '23514',
  serializationFailure: '40001',
} as const;

export function isPgError(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === code;
}
