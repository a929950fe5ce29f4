import { applyOnce, ticketsEvents, type ServiceRuntime } from '@ticketaka/common';
import type { OrdersConfig } from '../../config';
import {
  settleHoldConfirmed,
  settleHoldReleased,
} from '../../domain/settle-partner-decision.use-case';

export async function subscribeHoldDecisions(runtime: ServiceRuntime<OrdersConfig>) {
  await runtime.bus.subscribe({
    consumer: 'orders',
    event: ticketsEvents.holdConfirmed,
    handler: async (event) => {
      await applyOnce(runtime.pool, 'orders', event.id, (client) =>
        settleHoldConfirmed(runtime, client, event.data.orderId),
      );
    },
  });
  await runtime.bus.subscribe({
    consumer: 'orders',
    event: ticketsEvents.holdReleased,
    handler: async (event) => {
      await applyOnce(runtime.pool, 'orders', event.id, (client) =>
        settleHoldReleased(runtime, client, event.data.orderId),
      );
    },
  });
}
