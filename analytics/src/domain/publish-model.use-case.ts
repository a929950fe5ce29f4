import type { Logger, Pool } from '@ticketaka/common';
import type { ParquetLake } from '../data-access/parquet-lake';
import { saveModel } from '../data-access/model.repository';
import type { RecommendationModel } from './recommendation-model';
import { trainModel } from './train-model.use-case';

/**
 * Trains from the lake and stores the new version, active by default: every replica
 * picks it up at its next refresh. An advisory lock keeps two trainers from racing.
 */
export async function trainAndPublish(
  deps: { pool: Pool; lake: ParquetLake; logger: Logger },
  options: { activate?: boolean; version?: string; weights?: RecommendationModel['weights'] } = {},
) {
  const lock = await deps.pool.connect();
  try {
    const { rows } = await lock.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext('analytics-training')) AS locked",
    );
    if (!rows[0]?.locked) return null;
    try {
      const trained = await trainModel(deps.lake, {
        version: options.version,
        weights: options.weights,
      });
      if (!trained) {
        deps.logger.info('no purchases in the lake yet; nothing to train');
        return null;
      }
      await saveModel(deps.pool, trained.model, trained.validation, options.activate ?? true);
      deps.logger.info(
        {
          version: trained.model.version,
          validation: trained.validation,
          weights: trained.model.weights,
        },
        'recommendation model trained',
      );
      return trained;
    } finally {
      await lock.query("SELECT pg_advisory_unlock(hashtext('analytics-training'))");
    }
  } finally {
    lock.release();
  }
}
