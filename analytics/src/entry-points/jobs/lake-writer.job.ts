import type { PoolClient } from '@ticketaka/common';
import { compactLake, flushLake, type LakeDeps } from '../../domain/write-lake.use-case';

/**
 * Flushes staged events to Parquet every `intervalMs` (and compacts afterwards), one run
 * at a time. `runNow` lets the rebuild and tests wait for the lake to be complete.
 *
 * One writer per lake: a run happens only while this process holds the lake's PostgreSQL
 * advisory lock, on a connection kept for as long as it writes. A second process pointed at
 * the same database (two pods during a mistaken scale-up, a second local start) stands by
 * instead of writing batches into a folder of its own, which would split the lake's rows
 * across two disks; it takes over if the holder's connection ends.
 */
export function startLakeWriter(
  deps: LakeDeps,
  options: { intervalMs: number; compactMinFiles: number },
) {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let lease: PoolClient | undefined;
  let standingBy = false;

  const holdLease = async (): Promise<boolean> => {
    if (lease) return true;
    const client = await deps.pool.connect();
    const { rows } = await client
      .query<{ held: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS held', [
        `analytics-lake-writer:${deps.name}`,
      ])
      .catch((error) => {
        client.release(true);
        throw error;
      });
    if (!rows[0]?.held) {
      client.release();
      if (!standingBy) deps.logger.warn('another process writes this lake; standing by');
      standingBy = true;
      return false;
    }
    if (standingBy) deps.logger.info('this process now writes the lake');
    standingBy = false;
    lease = client;
    // A lost connection is a lost lock: the next run asks again.
    client.once('error', () => {
      if (lease === client) lease = undefined;
    });
    return true;
  };
  const releaseLease = async () => {
    const client = lease;
    lease = undefined;
    if (!client) return;
    await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    client.release();
  };

  const runNow = () => {
    running = running.then(async () => {
      try {
        if (!(await holdLease())) return;
        await flushLake(deps);
        await compactLake(deps, options.compactMinFiles);
      } catch (error) {
        deps.logger.error({ err: error }, 'lake flush failed; staged events stay and are retried');
        // The lease connection may be the broken part: drop it, a later run takes it again.
        lease?.release(true);
        lease = undefined;
      }
    });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) void runNow();
  }, options.intervalMs);
  return {
    runNow,
    /** Stops the schedule; `release` (after a last `runNow`) gives the lake to another process. */
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    release: async () => {
      await running;
      await releaseLease();
    },
  };
}
