import path from 'node:path';
import type { Logger, Pool } from '@ticketaka/common';
import type { ParquetLake } from '../data-access/parquet-lake';
import {
  eventsOfBatch,
  finishCompaction,
  markBatchWritten,
  openBatch,
  recordCompaction,
  unfinishedCompactions,
  unwrittenBatches,
} from '../data-access/staging.repository';

export interface LakeDeps {
  pool: Pool;
  lake: ParquetLake;
  /** Which staged events this lake takes ('live' or a rebuild id). */
  name: string;
  logger: Logger;
}

/**
 * Moves staged events into Parquet. Exactly once: events get a batch id (committed) before
 * any file is written; the batch's files are named after it, so a batch rewritten after a
 * crash replaces its own files; the staged rows are deleted only once the files exist.
 */
export async function flushLake(deps: LakeDeps, maxRows = 100_000): Promise<number> {
  await openBatch(deps.pool, deps.name, maxRows);
  let written = 0;
  for (const batchId of await unwrittenBatches(deps.pool, deps.name)) {
    const events = await eventsOfBatch(deps.pool, batchId);
    const files = await deps.lake.writeBatch(batchId.padStart(10, '0'), events);
    await markBatchWritten(deps.pool, batchId, files, events.length);
    written += events.length;
  }
  return written;
}

/**
 * Merges partitions with many small files into one file each. The intent is recorded
 * first; the inputs are deleted only once the output exists, and an interrupted compaction
 * is finished (or undone) on the next run, so no row is lost or doubled for good.
 */
export async function compactLake(deps: LakeDeps, minFiles: number): Promise<number> {
  await finishInterruptedCompactions(deps);
  let compacted = 0;
  for (const partition of deps.lake.partitions()) {
    if (partition.files.length < minFiles) continue;
    const stamp = new Date().toISOString().replace(/[-:.]/g, '');
    const output = path.join(partition.dir, `compacted-${stamp}.parquet`);
    const id = await recordCompaction(deps.pool, deps.name, output, partition.files);
    await deps.lake.mergeFiles(partition.files, output);
    for (const file of partition.files) deps.lake.remove(file);
    await finishCompaction(deps.pool, id);
    compacted += 1;
  }
  if (compacted) deps.logger.info({ compacted }, 'lake partitions compacted');
  return compacted;
}

async function finishInterruptedCompactions(deps: LakeDeps) {
  for (const c of await unfinishedCompactions(deps.pool, deps.name)) {
    // Output renamed into place: the merge is complete, the inputs can go. Otherwise the
    // inputs are still all there and the merge simply did not happen.
    if (deps.lake.exists(c.output)) for (const file of c.inputs) deps.lake.remove(file);
    deps.lake.remove(`${c.output}.tmp`);
    await finishCompaction(deps.pool, c.id);
  }
}
