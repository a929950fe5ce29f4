import type { Pool } from '@ticketaka/common';
import {
  recommendationModelSchema,
  type RecommendationModel,
} from '../domain/recommendation-model';

/** Stores a model version; `activate` makes it the one every replica serves, atomically. */
export async function saveModel(
  pool: Pool,
  model: RecommendationModel,
  metrics: unknown,
  activate: boolean,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO models (version, trained_at, model, metrics) VALUES ($1, $2, $3, $4)
       ON CONFLICT (version) DO UPDATE SET model = EXCLUDED.model, metrics = EXCLUDED.metrics`,
      [model.version, model.trainedAt, JSON.stringify(model), JSON.stringify(metrics)],
    );
    if (activate) {
      await client.query('UPDATE models SET active = false WHERE active AND version <> $1', [
        model.version,
      ]);
      await client.query('UPDATE models SET active = true WHERE version = $1', [model.version]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function activeModelVersion(pool: Pool): Promise<string | null> {
  const { rows } = await pool.query<{ version: string }>('SELECT version FROM models WHERE active');
  return rows[0]?.version ?? null;
}

export async function loadModel(pool: Pool, version: string): Promise<RecommendationModel | null> {
  const { rows } = await pool.query<{ model: unknown }>(
    'SELECT model FROM models WHERE version = $1',
    [version],
  );
  return rows[0] ? recommendationModelSchema.parse(rows[0].model) : null;
}
