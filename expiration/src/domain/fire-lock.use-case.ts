import {
  appendToOutbox,
  expirationEvents,
  inTransaction,
  type ServiceRuntime,
  deterministicId,
} from '@ticketaka/common';
import type { LockJob } from '../data-access/expiration-queue';
import { isInOutbox, lockOrderLock, recordFired } from '../data-access/order-lock.repository';

/**
 * A timer fired: expiration.order.expired goes through this service's outbox, so it is
 * published even if NATS is down right now. Its id is derived from the order and deadline,
 * so a job that runs twice (a crash before Bull recorded it done) announces it once.
 */
export async function fireLock(
  runtime: ServiceRuntime,
  job: LockJob,
): Promise<'announced' | 'already_announced' | 'order_ended'> {
  return inTransaction(runtime.pool, async (client) => {
    const lock = await lockOrderLock(client, job.orderId);
    if (lock?.state === 'ended') return 'order_ended';
    const id = deterministicId('expiration.order.expired', job.orderId, job.expiresAt);
    if (await isInOutbox(client, id)) return 'already_announced';
    await recordFired(client, job.orderId, new Date(job.expiresAt));
    await appendToOutbox(client, runtime.schema, [
      expirationEvents.expirationOrderExpired.create(
        { orderId: job.orderId, expiresAt: job.expiresAt },
        { id },
      ),
    ]);
    runtime.logger.info({ orderId: job.orderId, expiresAt: job.expiresAt }, 'lock expired');
    return 'announced';
  });
}
