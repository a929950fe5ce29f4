import path from 'node:path';
import { createServiceApp, createServiceRuntime, listen, loadConfig } from '@ticketaka/common';
import { expirationConfigSchema } from './config';
import { openExpirationQueue } from './data-access/expiration-queue';
import { restoreLocks } from './domain/schedule-lock.use-case';
import { startLockTimerWorker } from './entry-points/jobs/lock-timer.worker';
import { subscribeOrderCreated } from './entry-points/messaging/order-created.consumer';
import { subscribeOrderEnded } from './entry-points/messaging/order-ended.consumer';

/** Composition root: used by main.ts and, in-process on port 0, by the tests. */
export async function startExpirationService(
  env: NodeJS.ProcessEnv = process.env,
  options: { startRelay?: boolean } = {},
) {
  const config = loadConfig('expiration', expirationConfigSchema, env);
  const runtime = await createServiceRuntime({
    name: 'expiration',
    config,
    migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
    startRelay: options.startRelay,
  });
  try {
    const queue = await openExpirationQueue({
      redisUrl: config.REDIS_URL,
      prefix: config.REDIS_PREFIX,
      logger: runtime.logger,
    });
    // Registered first so it runs last: running jobs finish while the pool is still open.
    runtime.onClose(() => queue.close());
    runtime.readiness.redis = () => queue.ping();

    const restored = await restoreLocks(runtime, queue);
    if (restored > 0) runtime.logger.info({ restored }, 'lock timers restored');
    startLockTimerWorker(runtime, queue, config.EXPIRATION_CONCURRENCY);
    await subscribeOrderCreated(runtime, queue);
    await subscribeOrderEnded(runtime, queue);

    // Only health, readiness and metrics: this service has no API of its own.
    const app = createServiceApp(runtime, () => undefined);
    const http = await listen(runtime, app, config.PORT);
    return { runtime, url: http.url, logger: runtime.logger, close: () => runtime.close() };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
