import path from 'node:path';
import { defineService } from '@ticketaka/common';
import { expirationConfigSchema } from './config';
import { openExpirationQueue } from './data-access/expiration-queue';
import { restoreLocks } from './domain/schedule-lock.use-case';
import { startLockTimerWorker } from './entry-points/jobs/lock-timer.worker';
import { consumeOrderCreated } from './entry-points/messaging/order-created.consumer';
import { consumeOrderEnded } from './entry-points/messaging/order-ended.consumer';

/** Only health, readiness and metrics over HTTP: this service has no API of its own. */
export const startExpirationService = defineService({
  name: 'expiration',
  config: expirationConfigSchema,
  migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
  setup: async (runtime) => {
    const { config } = runtime;
    const queue = await openExpirationQueue({
      redisUrl: runtime.redisUrl,
      prefix: config.REDIS_PREFIX,
      logger: runtime.logger,
    });
    // Registered first so it runs last: running jobs finish while the pool is still open.
    runtime.onClose(() => queue.close());
    runtime.readiness.redis = () => queue.ping();

    const restored = await restoreLocks(runtime, queue);
    if (restored > 0) runtime.logger.info({ restored }, 'lock timers restored');
    startLockTimerWorker(runtime, queue, config.EXPIRATION_CONCURRENCY);
    await consumeOrderCreated(runtime, queue);
    await consumeOrderEnded(runtime, queue);
    return {};
  },
});
