import { compactLake, flushLake, type LakeDeps } from '../../domain/write-lake.use-case';

/**
 * Flushes staged events to Parquet every `intervalMs` (and compacts afterwards), one run
 * at a time. `runNow` lets the rebuild and tests wait for the lake to be complete.
 */
export function startLakeWriter(
  deps: LakeDeps,
  options: { intervalMs: number; compactMinFiles: number },
) {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const runNow = () => {
    running = running.then(async () => {
      try {
        await flushLake(deps);
        await compactLake(deps, options.compactMinFiles);
      } catch (error) {
        deps.logger.error({ err: error }, 'lake flush failed; staged events stay and are retried');
      }
    });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) void runNow();
  }, options.intervalMs);
  return {
    runNow,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
