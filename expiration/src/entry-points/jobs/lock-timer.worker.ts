import type { ServiceRuntime } from '@ticketaka/common';
import type { ExpirationQueue } from '../../data-access/expiration-queue';
import { fireLock } from '../../domain/fire-lock.use-case';

/** Bull calls this when an order's delayed job comes due; a failure is retried by Bull. */
export function startLockTimerWorker(
  runtime: ServiceRuntime,
  queue: ExpirationQueue,
  concurrency: number,
): void {
  queue.process(concurrency, async (job) => {
    await fireLock(runtime, job);
  });
}
