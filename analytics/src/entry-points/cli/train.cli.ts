import path from 'node:path';
import { createLogger, createPool, databaseUrlFor, loadConfig, migrate } from '@ticketaka/common';
import { analyticsConfigSchema } from '../../config';
import { ParquetLake } from '../../data-access/parquet-lake';
import { trainAndPublish } from '../../domain/publish-model.use-case';
import { seedSyntheticLake } from '../../domain/seed-lake.use-case';
import { flag, MASTER_LIST_FILE, runCli, SYNTHETIC_LAKE } from './cli-support';

/**
 * npm run train -w analytics [-- --synthetic | --lake <folder>] [--no-activate]
 * Trains from LAKE_PATH (or the synthetic history), stores the version in PostgreSQL and
 * makes it the active one: running services swap to it within MODEL_REFRESH_MS.
 */
runCli(async () => {
  const config = loadConfig('analytics', analyticsConfigSchema);
  const logger = createLogger('analytics-train', { level: config.LOG_LEVEL, pretty: true });
  const synthetic = process.argv.includes('--synthetic');
  const lakePath =
    flag('lake') ?? (synthetic ? `${SYNTHETIC_LAKE}-seed42-fans4000` : config.LAKE_PATH);
  const pool = createPool(
    databaseUrlFor(config.DATABASE_URL, config.CREDENTIALS_DIR, 'analytics'),
    'analytics',
    { max: 2 },
  );
  const lake = await ParquetLake.open(path.resolve(lakePath));
  try {
    await migrate(pool, 'analytics', path.join(__dirname, '..', '..', 'data-access', 'migrations'));
    if (synthetic) await seedSyntheticLake(lake, MASTER_LIST_FILE, { seed: 42, fans: 4000 });
    const trained = await trainAndPublish(
      { pool, lake, logger },
      { activate: !process.argv.includes('--no-activate') },
    );
    if (!trained)
      throw new Error(`nothing trained: no purchases in ${lakePath} (or another trainer runs)`);
    console.log(
      `model ${trained.model.version} stored${process.argv.includes('--no-activate') ? '' : ' and active'}`,
    );
  } finally {
    lake.close();
    await pool.end();
  }
});
