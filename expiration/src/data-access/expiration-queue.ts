import Queue from 'bull';
import type { Logger } from 'pino';

/** Bull keys are `<REDIS_PREFIX>:order-expiration:…`; job id = order id. */
export const EXPIRATION_QUEUE_NAME = 'order-expiration';

export interface LockJob {
  orderId: string;
  expiresAt: string;
}

export interface ExpirationQueue {
  /** Schedules the order's timer; a second call for the same order is ignored by Bull (same job id). */
  schedule(job: LockJob): Promise<void>;
  /** Removes a timer that has not started; one that is running finishes harmlessly. */
  unschedule(orderId: string): Promise<void>;
  process(concurrency: number, handler: (job: LockJob) => Promise<void>): void;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openExpirationQueue(options: { redisUrl: string; prefix: string; logger: Logger }): Promise<ExpirationQueue> {
  const { logger } = options;
  const queue = new Queue<LockJob>(EXPIRATION_QUEUE_NAME, options.redisUrl, {
    prefix: options.prefix,
    defaultJobOptions: {
      // A timer whose event could not be recorded (database down) tries again, backing off.
      attempts: 20,
      backoff: { type: 'exponential', delay: 500 },
      // Kept for a day so a repeated schedule for the same order still finds its job id.
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
  // An EventEmitter 'error' without a listener would crash the process on a Redis hiccup.
  queue.on('error', (err) => logger.warn({ err }, 'expiration queue error'));
  queue.on('failed', (job, err) => logger.warn({ err, orderId: job.id, attempts: job.attemptsMade }, 'expiration job failed'));
  await queue.isReady();

  return {
    schedule: async (job) => {
      const delay = Math.max(0, new Date(job.expiresAt).getTime() - Date.now());
      await queue.add(job, { jobId: job.orderId, delay });
    },
    unschedule: async (orderId) => {
      const job = await queue.getJob(orderId);
      if (job && (await job.isDelayed())) await job.remove().catch(() => undefined);
    },
    process: (concurrency, handler) => {
      // Bull's process() settles only when the queue closes; it is not awaited.
      queue
        .process(concurrency, async (job) => handler(job.data))
        .catch((err: unknown) => logger.error({ err }, 'expiration worker stopped'));
    },
    ping: async () => {
      await queue.client.ping();
    },
    close: () => queue.close(),
  };
}
