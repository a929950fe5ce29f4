import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestEnvironment, type TestEnvironment } from '@ticketaka/common/testing';
import type { ParquetLake } from '../../src/data-access/parquet-lake';
import { startAnalyticsService, type AnalyticsService } from '../../src/analytics-service';

export interface AnalyticsKit {
  env: TestEnvironment;
  lakePath: string;
  analytics: AnalyticsService;
  restart(extra?: Record<string, string>): Promise<AnalyticsService>;
  close(): Promise<void>;
}

/** A test file's analytics service: its own database, namespace and lake folder. */
export async function startAnalytics(
  label: string,
  extra: Record<string, string> = {},
  existing?: TestEnvironment,
): Promise<AnalyticsKit> {
  const env = existing ?? (await createTestEnvironment(label));
  const lakePath = fs.mkdtempSync(path.join(os.tmpdir(), `lake-${label}-`));
  Object.assign(env.env, {
    LAKE_PATH: lakePath,
    // Tests flush explicitly (settle), so what a file holds is decided by the test.
    LAKE_FLUSH_INTERVAL_MS: '600000',
    TRAIN_INTERVAL_MINUTES: '0',
    MODEL_REFRESH_MS: '200',
    ...extra,
  });
  const kit: AnalyticsKit = {
    env,
    lakePath,
    analytics: await startAnalyticsService(env.env),
    restart: async (more = {}) => {
      await kit.analytics.close();
      Object.assign(env.env, more);
      kit.analytics = await startAnalyticsService(env.env);
      return kit.analytics;
    },
    close: async () => {
      await kit.analytics.close().catch(() => undefined);
      if (!existing) await env.cleanup();
      fs.rmSync(lakePath, { recursive: true, force: true });
    },
  };
  return kit;
}

/** Rows per event type in a lake, and how many distinct event ids, read with DuckDB. */
export async function lakeCounts(lake: ParquetLake) {
  const source = lake.source();
  if (!source) return { byType: {} as Record<string, number>, rows: 0, distinctIds: 0 };
  const byType = await lake.query<{ type: string; n: number }>(
    `SELECT type, count(*)::INTEGER AS n FROM ${source} GROUP BY type ORDER BY type`,
  );
  const [totals] = await lake.query<{ rows: number; ids: number }>(
    `SELECT count(*)::INTEGER AS rows, count(DISTINCT event_id)::INTEGER AS ids FROM ${source}`,
  );
  return {
    byType: Object.fromEntries(byType.map((r) => [r.type, r.n])),
    rows: totals!.rows,
    distinctIds: totals!.ids,
  };
}
