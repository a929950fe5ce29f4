import type { PoolClient, ServiceRuntime } from '@ticketaka/common';
import type { ExpirationQueue } from '../data-access/expiration-queue';
import { recordEnded, recordScheduled, scheduledLocks } from '../data-access/order-lock.repository';

/**
 * An order's lock started: its timer is a Bull delayed job whose id is the order id, so a
 * repeated or concurrent schedule keeps one job. An order already known to have ended (its
 * "ended" event overtook this one) gets no timer.
 */
export async function scheduleLock(
  runtime: ServiceRuntime,
  queue: ExpirationQueue,
  client: PoolClient,
  order: { id: string; expiresAt: string },
): Promise<void> {
  const lock = await recordScheduled(client, order.id, new Date(order.expiresAt));
  if (lock.state !== 'scheduled') return;
  await queue.schedule({ orderId: order.id, expiresAt: order.expiresAt });
  runtime.logger.debug({ orderId: order.id, expiresAt: order.expiresAt }, 'lock timer scheduled');
}

/** The order was paid, cancelled or expired: its timer would only announce a no-op. */
export async function endLock(
  queue: ExpirationQueue,
  client: PoolClient,
  order: { id: string; expiresAt: string },
): Promise<void> {
  await recordEnded(client, order.id, new Date(order.expiresAt));
  await queue.unschedule(order.id);
}

/**
 * Re-creates the timers of locks not yet fired. Bull keeps existing jobs (same id), so this
 * only adds back what Redis lost (flushed, failed over) while the service was away.
 */
export async function restoreLocks(
  runtime: ServiceRuntime,
  queue: ExpirationQueue,
): Promise<number> {
  const locks = await scheduledLocks(runtime.pool);
  for (const lock of locks)
    await queue.schedule({ orderId: lock.orderId, expiresAt: lock.expiresAt.toISOString() });
  return locks.length;
}
