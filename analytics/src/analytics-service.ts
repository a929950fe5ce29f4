import path from 'node:path';
import { createServiceApp, createServiceRuntime, listen, loadConfig } from '@ticketaka/common';
import { analyticsConfigSchema } from './config';
import { buyersPerMatch } from './data-access/catalogue.repository';
import { ParquetLake } from './data-access/parquet-lake';
import { CatalogueCache } from './domain/catalogue-cache';
import { IngestLag } from './domain/ingest-lag';
import { BASELINE_VERSION, ModelHolder } from './domain/model-holder';
import { analyticsRouter } from './entry-points/http/analytics.routes';
import { startLakeThread } from './entry-points/jobs/lake-thread';
import { observeAllStreams, pendingOf } from './entry-points/messaging/lake-ingester.consumer';

export const LIVE_LAKE = 'live';

/** Composition root: used by main.ts and, in-process on port 0, by the tests. */
export async function startAnalyticsService(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig('analytics', analyticsConfigSchema, env);
  const runtime = await createServiceRuntime({
    name: 'analytics',
    config,
    migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
  });
  try {
    const { pool, logger } = runtime;
    // Read-only here (tests, the rebuild's comparison): every write happens on the lake thread.
    const lake = await ParquetLake.open(config.LAKE_PATH);
    runtime.onClose(async () => lake.close());
    const lag = new IngestLag();

    // DuckDB writes, compaction and training run on a thread of their own, off the event
    // loop that answers fans (entry-points/jobs/lake-worker.ts). A serving-only process
    // (INGEST_ENABLED=false) has no lake to write and trains nothing.
    const writer = config.INGEST_ENABLED
      ? startLakeThread(
          {
            // As analytics' own role, like every connection the runtime makes.
            databaseUrl: runtime.databaseUrl,
            schema: runtime.schema,
            statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
            lakePath: config.LAKE_PATH,
            lakeName: LIVE_LAKE,
            flushIntervalMs: config.LAKE_FLUSH_INTERVAL_MS,
            compactMinFiles: config.LAKE_COMPACT_MIN_FILES,
            trainIntervalMinutes: config.TRAIN_INTERVAL_MINUTES,
            logLevel: config.LOG_LEVEL,
          },
          logger,
        )
      : {
          started: async () => undefined,
          runNow: async () => undefined,
          stop: async () => undefined,
        };
    // Registered before the consumers' close, so it runs after them: the last batches land.
    runtime.onClose(() => writer.stop());
    await writer.started();

    const models = new ModelHolder(pool, logger, async () => {
      const buyers = await buyersPerMatch(pool);
      const most = Math.max(1, ...buyers.values());
      return {
        version: BASELINE_VERSION,
        trainedAt: new Date().toISOString(),
        weights: { affinity: 0, countryMatch: 0, coPurchase: 0, popularity: 1 },
        countryMatch: {},
        countryTeam: {},
        regionTeam: {},
        globalTeam: {},
        teamCoPurchase: {},
        matchPopularity: Object.fromEntries([...buyers].map(([m, n]) => [String(m), n / most])),
        trainedOn: { purchases: 0, fans: 0, until: null },
      };
    });
    await models.refresh();
    models.start(config.MODEL_REFRESH_MS);
    runtime.onClose(async () => models.stop());
    const catalogue = new CatalogueCache(pool, logger);
    await catalogue.refresh();
    catalogue.start(1000);
    runtime.onClose(async () => catalogue.stop());

    const subscriptions = config.INGEST_ENABLED
      ? await observeAllStreams(
          runtime.bus,
          { pool, lake: LIVE_LAKE, inboxKey: 'analytics', projectAggregates: true },
          { logger, batchSize: config.INGEST_BATCH_SIZE, lag },
        )
      : [];
    runtime.onClose(async () => {
      for (const s of subscriptions) await s.close();
    });

    const after = () =>
      config.RECOMMEND_AFTER === 'now' ? new Date() : new Date(config.RECOMMEND_AFTER);
    const app = createServiceApp(runtime, (a) => {
      a.use(
        analyticsRouter({
          pool,
          models,
          catalogue,
          after,
          lag,
          defaultLimit: config.RECOMMENDATIONS_LIMIT,
          statsMaxAgeMs: config.STATS_MAX_AGE_MS,
        }),
      );
    });
    const http = await listen(runtime, app, config.PORT);
    return {
      runtime,
      url: http.url,
      logger,
      lake,
      models,
      catalogue,
      /** Waits until every stream is ingested and the lake holds it (tests, rebuild). */
      settle: async () => {
        while ((await pendingOf(subscriptions)) > 0) await new Promise((r) => setTimeout(r, 50));
        await writer.runNow();
        await catalogue.refresh();
      },
      flushLake: () => writer.runNow(),
      close: () => runtime.close(),
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

export type AnalyticsService = Awaited<ReturnType<typeof startAnalyticsService>>;
