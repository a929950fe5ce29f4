import type { Logger, Pool } from '@ticketaka/common';
import type { ParquetLake } from '../../data-access/parquet-lake';
import { trainAndPublish } from '../../domain/publish-model.use-case';

/** Retrains every `minutes` (0: never; `npm run train -w analytics` does it by hand). */
export function startTrainingSchedule(
  deps: { pool: Pool; lake: ParquetLake; logger: Logger },
  minutes: number,
) {
  let running: Promise<unknown> = Promise.resolve();
  const timer =
    minutes > 0
      ? setInterval(() => {
          running = trainAndPublish(deps).catch((err) =>
            deps.logger.error({ err }, 'scheduled training failed; the current model stays'),
          );
        }, minutes * 60_000)
      : undefined;
  return {
    stop: async () => {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
