import path from 'node:path';
import { z } from 'zod';
import { baseConfigSchema, envBoolean, envPort, requireInProduction } from '@ticketaka/common';
import registration from '../service.json';

export const analyticsConfigSchema = requireInProduction(
  baseConfigSchema.extend({
    PORT: envPort(registration.port),
    /** Folder of the Parquet lake (a volume in Kubernetes; any engine that reads Hive layouts). */
    LAKE_PATH: z
      .string()
      .min(1)
      .default(path.resolve('.local', 'analytics', 'lake')),
    /** Staged events are written to Parquet at least this often (the lake's freshness). */
    LAKE_FLUSH_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
    /** A partition with at least this many files is compacted into one. */
    LAKE_COMPACT_MIN_FILES: z.coerce.number().int().min(2).max(10_000).default(20),
    /** Events handled per ingest transaction. */
    INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
    /** Whether this process ingests (a serving-only process sets false). */
    INGEST_ENABLED: envBoolean(true),
    /** Retrain from the lake this often; 0 turns the schedule off (`npm run train` still works). */
    TRAIN_INTERVAL_MINUTES: z.coerce.number().int().min(0).max(10_080).default(60),
    /** How often each process checks which model version is active. */
    MODEL_REFRESH_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
    /**
     * Matches that kicked off before this instant are not recommended: `now`, or an ISO date.
     * The organiser's sample master list is the 2022 tournament, so local runs default to
     * the eve of it; production uses the clock.
     */
    RECOMMEND_AFTER: z.union([z.literal('now'), z.string().datetime({ offset: true })]).optional(),
    RECOMMENDATIONS_LIMIT: z.coerce.number().int().min(1).max(20).default(5),
    /** The statistics are recomputed at most this often, whoever asks (0: on every request). */
    STATS_MAX_AGE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  }),
  ['JWT_PUBLIC_KEY'],
).transform((config) => ({
  ...config,
  RECOMMEND_AFTER:
    config.RECOMMEND_AFTER ?? (config.NODE_ENV === 'production' ? 'now' : '2022-11-19T00:00:00Z'),
}));

export type AnalyticsConfig = z.infer<typeof analyticsConfigSchema>;
