import { parentPort, workerData } from 'node:worker_threads';
import { createLogger, createPool, type Logger } from '@ticketaka/common';
import { ParquetLake } from '../../data-access/parquet-lake';
import { startLakeWriter } from './lake-writer.job';
import { startTrainingSchedule } from './training.job';

/** What the service hands its lake thread (plain data: it crosses the thread boundary). */
export interface LakeWorkerData {
  databaseUrl: string;
  schema: string;
  statementTimeoutMs: number;
  lakePath: string;
  lakeName: string;
  flushIntervalMs: number;
  compactMinFiles: number;
  trainIntervalMinutes: number;
  logLevel: string;
}

export type LakeWorkerRequest = { type: 'flush'; id: number } | { type: 'stop' };
export type LakeWorkerReply =
  | { type: 'ready' }
  | { type: 'flushed'; id: number }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

/**
 * The lake thread: every DuckDB write (Parquet files, compaction) and the scheduled
 * training run here, with a PostgreSQL pool and a DuckDB instance of their own, so a flush of
 * tens of thousands of rows or an hour's retraining never holds up the event loop that
 * answers fans (`lake-thread.ts` starts it). Staged rows wait in PostgreSQL, so nothing is
 * lost while this thread is down; it picks them up when it is back.
 */
async function run(data: LakeWorkerData, port: NonNullable<typeof parentPort>) {
  const logger: Logger = createLogger('analytics', { level: data.logLevel }).child({
    thread: 'lake',
  });
  const pool = createPool(data.databaseUrl, data.schema, {
    // The writer's lease connection, its flush, and a training run's lock and save.
    max: 4,
    statementTimeoutMs: data.statementTimeoutMs,
  });
  const lake = await ParquetLake.open(data.lakePath);
  const writer = startLakeWriter(
    { pool, lake, name: data.lakeName, logger },
    { intervalMs: data.flushIntervalMs, compactMinFiles: data.compactMinFiles },
  );
  const training = startTrainingSchedule({ pool, lake, logger }, data.trainIntervalMinutes);
  const reply = (message: LakeWorkerReply) => port.postMessage(message);
  port.on('message', (request: LakeWorkerRequest) => {
    if (request.type === 'flush') {
      void writer.runNow().then(() => reply({ type: 'flushed', id: request.id }));
      return;
    }
    void (async () => {
      await training.stop();
      await writer.stop();
      // The last batches the ingester committed land before the process ends.
      await writer.runNow();
      await writer.release();
      await pool.end();
      lake.close();
      reply({ type: 'stopped' });
      port.close();
    })();
  });
  reply({ type: 'ready' });
}

if (parentPort) {
  const port = parentPort;
  run(workerData as LakeWorkerData, port).catch((error: Error) =>
    port.postMessage({ type: 'failed', message: error.message } satisfies LakeWorkerReply),
  );
}
