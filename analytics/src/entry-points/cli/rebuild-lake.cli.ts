import path from 'node:path';
import {
  createLogger,
  createPool,
  databaseUrlFor,
  EventBus,
  loadConfig,
  migrate,
} from '@ticketaka/common';
import { analyticsConfigSchema } from '../../config';
import { ParquetLake } from '../../data-access/parquet-lake';
import { lakeTypeCounts } from '../../data-access/lake-statistics';
import { rebuildLake } from '../messaging/lake-rebuild.replay';
import { flag, runCli } from './cli-support';

/**
 * npm run lake:rebuild -w analytics [-- --into <empty folder>]
 * Replays the JetStream streams from the start into an empty lake (default
 * `<LAKE_PATH>.rebuild-<time>`) and prints its counts per event type beside the live lake's.
 */
runCli(async () => {
  const config = loadConfig('analytics', analyticsConfigSchema);
  const logger = createLogger('analytics-rebuild', { level: config.LOG_LEVEL, pretty: true });
  const target = path.resolve(flag('into') ?? `${config.LAKE_PATH}.rebuild-${Date.now()}`);
  const pool = createPool(
    databaseUrlFor(config.DATABASE_URL, config.CREDENTIALS_DIR, 'analytics'),
    'analytics',
    { max: 4 },
  );
  const bus = await EventBus.connect({
    servers: config.NATS_URL,
    namespace: config.EVENT_NAMESPACE,
    service: 'analytics-rebuild',
    user: 'analytics',
    credentialsDir: config.CREDENTIALS_DIR,
    logger,
  });
  try {
    await migrate(pool, 'analytics', path.join(__dirname, '..', '..', 'data-access', 'migrations'));
    const started = Date.now();
    const rebuilt = await rebuildLake({ pool, bus, logger }, target);
    const live = await ParquetLake.open(config.LAKE_PATH);
    const [a, b] = [await lakeTypeCounts(live), await lakeTypeCounts(rebuilt)];
    console.log(`rebuilt into ${target} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    console.log('| type | live lake | rebuilt |\n| --- | --- | --- |');
    for (const type of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      console.log(`| ${type} | ${a[type] ?? 0} | ${b[type] ?? 0} |`);
    }
    console.log(`\nTo serve it: stop analytics, set LAKE_PATH=${target}, start it again.`);
    live.close();
    rebuilt.close();
  } finally {
    await bus.close();
    await pool.end();
  }
});
