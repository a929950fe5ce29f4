import type { EventBus, Logger, Pool } from '@ticketaka/common';
import { ParquetLake } from '../../data-access/parquet-lake';
import { observeAllStreams, pendingOf } from './lake-ingester.consumer';
import { compactLake, flushLake } from '../../domain/write-lake.use-case';

/**
 * Replays every stream from its first message into an empty lake folder, with its own
 * inbox key (so nothing counts as seen) and without touching the aggregate store. The
 * live lake and service are left alone; point LAKE_PATH at the result to switch.
 * JetStream keeps 30 days, so that is what a rebuild can recover.
 */
export async function rebuildLake(
  deps: { pool: Pool; bus: EventBus; logger: Logger },
  targetPath: string,
  options: { batchSize?: number; compactMinFiles?: number } = {},
): Promise<ParquetLake> {
  const id = `rebuild-${Date.now()}`;
  const lake = await ParquetLake.open(targetPath);
  if (lake.partitions().some((p) => p.files.length)) throw new Error(`${targetPath} is not empty`);
  const lakeDeps = { pool: deps.pool, lake, name: id, logger: deps.logger };
  const subscriptions = await observeAllStreams(
    deps.bus,
    { pool: deps.pool, lake: id, inboxKey: `analytics:${id}`, projectAggregates: false },
    { logger: deps.logger, batchSize: options.batchSize ?? 2000, replay: true },
  );
  try {
    while ((await pendingOf(subscriptions)) > 0) {
      await flushLake(lakeDeps);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    for (const s of subscriptions) await s.close();
  }
  await flushLake(lakeDeps);
  await compactLake(lakeDeps, options.compactMinFiles ?? 20);
  await deps.pool.query('DELETE FROM processed_events WHERE consumer = $1', [`analytics:${id}`]);
  return lake;
}
