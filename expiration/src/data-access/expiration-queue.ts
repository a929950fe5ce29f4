import Queue from 'bull';
import type { Logger } from 'pino';
import { RetryLaterError } from '@ticketaka/common';

/** Bull keys are `<REDIS_PREFIX>:order-expiration:…`; job id = order id. */
export const EXPIRATION_QUEUE_NAME = 'order-expiration';
const READY_TIMEOUT_MS = 15_000;

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

export async function openExpirationQueue(options: {
  redisUrl: string;
  prefix: string;
  logger: Logger;
}): Promise<ExpirationQueue> {
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
  queue.on('failed', (job, err) =>
    logger.warn({ err, orderId: job.id, attempts: job.attemptsMade }, 'expiration job failed'),
  );
  // Without Redis there are no timers: fail the start clearly instead of hanging in retries.
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.isReady(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Redis did not answer within ${READY_TIMEOUT_MS} ms`)),
          READY_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    await queue.close(true).catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }

  let closing = false;
  return {
    schedule: async (job) => {
      // While shutting down, the event is left for redelivery (to this or another replica).
      if (closing) throw new RetryLaterError('expiration queue is closing');
      const delay = Math.max(0, new Date(job.expiresAt).getTime() - Date.now());
      await queue.add(job, { jobId: job.orderId, delay });
    },
    unschedule: async (orderId) => {
      // Best effort: a job left behind finds its lock ended when it fires and announces nothing.
      if (closing) return;
      try {
        const job = await queue.getJob(orderId);
        if (job && (await job.isDelayed())) await job.remove();
      } catch (err) {
        logger.debug(
          { err, orderId },
          'could not remove an ended lock timer; it will fire as a no-op',
        );
      }
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
    close: async () => {
      closing = true;
      await queue.close();
    },
  };
}
