import { ordersEvents, type ServiceRuntime } from '@ticketaka/common';
import type { SecurityConfig } from '../../config';
import type { OrderActivityStore } from '../../data-access/order-activity.store';

/**
 * Keeps the anti-hoarding picture current. The store is keyed by order id and its writes
 * are set operations, so a redelivered event changes nothing (idempotent without an inbox).
 */
export async function subscribeOrderActivity(
  runtime: ServiceRuntime<SecurityConfig>,
  store: OrderActivityStore,
) {
  const cooldown = runtime.config.ORDER_COOLDOWN_SECONDS;
  await runtime.bus.subscribe({
    consumer: 'security',
    event: ordersEvents.orderCreated,
    handler: async ({ data }) => store.orderOpened(data),
  });
  await runtime.bus.subscribe({
    consumer: 'security',
    event: ordersEvents.orderCompleted,
    handler: async ({ data }) => store.orderEnded(data, 'paid', cooldown),
  });
  await runtime.bus.subscribe({
    consumer: 'security',
    event: ordersEvents.orderCancelled,
    handler: async ({ data }) => store.orderEnded(data, 'cancelled', cooldown),
  });
  await runtime.bus.subscribe({
    consumer: 'security',
    event: ordersEvents.orderExpired,
    handler: async ({ data }) => store.orderEnded(data, 'expired', cooldown),
  });
}
