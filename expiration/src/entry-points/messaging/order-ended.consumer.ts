import { applyOnce, ordersEvents, type ServiceRuntime } from '@ticketaka/common';
import type { ExpirationQueue } from '../../data-access/expiration-queue';
import { endLock } from '../../domain/schedule-lock.use-case';

/** Paid, cancelled or expired orders need no timer any more. */
export async function subscribeOrderEnded(
  runtime: ServiceRuntime,
  queue: ExpirationQueue,
): Promise<void> {
  for (const event of [
    ordersEvents.orderCompleted,
    ordersEvents.orderCancelled,
    ordersEvents.orderExpired,
  ]) {
    await runtime.bus.subscribe({
      consumer: 'expiration',
      event,
      handler: async (message) => {
        await applyOnce(runtime.pool, 'expiration', message.id, (client) =>
          endLock(queue, client, message.data),
        );
      },
    });
  }
}
