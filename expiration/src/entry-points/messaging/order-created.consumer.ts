import { applyOnce, ordersEvents, type ServiceRuntime } from '@ticketaka/common';
import type { ExpirationQueue } from '../../data-access/expiration-queue';
import { scheduleLock } from '../../domain/schedule-lock.use-case';

export const subscribeOrderCreated = (runtime: ServiceRuntime, queue: ExpirationQueue) =>
  runtime.bus.subscribe({
    consumer: 'expiration',
    event: ordersEvents.orderCreated,
    handler: async (event) => {
      await applyOnce(runtime.pool, 'expiration', event.id, (client) =>
        scheduleLock(runtime, queue, client, event.data),
      );
    },
  });
