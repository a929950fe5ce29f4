import { applyOnce, expirationEvents, type ServiceRuntime } from '@ticketaka/common';
import { expireOnTimer } from '../../domain/expire-order.use-case';

export const subscribeLockExpired = (runtime: ServiceRuntime) =>
  runtime.bus.subscribe({
    consumer: 'orders',
    event: expirationEvents.expirationOrderExpired,
    handler: async (event) => {
      await applyOnce(runtime.pool, 'orders', event.id, (client) =>
        expireOnTimer(runtime, client, event.data.orderId),
      );
    },
  });
