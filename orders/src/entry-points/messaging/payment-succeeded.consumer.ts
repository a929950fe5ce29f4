import { applyOnce, paymentsEvents, type ServiceRuntime } from '@ticketaka/common';
import { applyPaymentSucceeded } from '../../domain/complete-order.use-case';

export const subscribePaymentSucceeded = (runtime: ServiceRuntime) =>
  runtime.bus.subscribe({
    consumer: 'orders',
    event: paymentsEvents.paymentSucceeded,
    handler: async (event) => {
      await applyOnce(runtime.pool, 'orders', event.id, (client) =>
        applyPaymentSucceeded(runtime, client, event),
      );
    },
  });
