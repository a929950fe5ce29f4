import { Pool, type PoolClient } from 'pg';

export type { Pool, PoolClient };

const SCHEMA_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * A pool whose connections only see the service's own schema (search_path), so service
 * SQL never names a schema and can never read another service's tables by accident.
 */
export function createPool(databaseUrl: string, schema: string, max = 10): Pool {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`Invalid schema name "${schema}"`);
  const pool = new Pool({
    connectionString: databaseUrl,
    max,
    options: `-c search_path=${schema}`,
    application_name: schema,
  });
  // An idle client can lose its connection (e.g. PostgreSQL restarts); the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in one transaction; rolls back on any error. */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
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
