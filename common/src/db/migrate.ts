import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';

export interface Migration {
  id: string;
  sql: string;
}

/** The outbox and processed-events tables every service has; applied before its own. */
const commonMigrationsDir = path.join(__dirname, 'migrations');

export function readMigrations(dir: string): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ id: f, sql: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

/**
 * Brings the service's schema up to date. Runs under an advisory lock, so replicas starting
 * together apply each migration once; each migration commits with its bookkeeping row.
 */
export async function migrate(
  pool: Pool,
  schema: string,
  serviceMigrationsDir: string,
): Promise<string[]> {
  const migrations = [
    ...readMigrations(commonMigrationsDir).map((m) => ({ ...m, id: `common/${m.id}` })),
    ...readMigrations(serviceMigrationsDir),
  ];
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    // Waiting for another replica's migrations, or a long migration, is not a stuck query.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${schema}`]);
    // A service's role owns its schema but may not create schemas (infra provisions them:
    // common/src/db/service-roles.ts), so it only creates one that is missing, where it may.
    const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
      schema,
    ]);
    if (rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ id: string }>('SELECT id FROM schema_migrations');
    const done = new Set(rows.map((r) => r.id));
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
        await client.query('COMMIT');
        applied.push(migration.id);
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${schema}/${migration.id} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  } finally {
    await client
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`migrate:${schema}`])
      .catch(() => undefined);
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
  return applied;
}
