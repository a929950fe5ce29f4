import { applyOnce, ordersEvents, type ServiceRuntime } from '@ticketaka/common';
import { releaseHold } from '../../domain/release-hold.use-case';

/** A cancelled or expired order gives its hold back. */
export async function consumeOrderEnded(runtime: ServiceRuntime): Promise<void> {
  for (const event of [ordersEvents.orderCancelled, ordersEvents.orderExpired]) {
    await runtime.bus.subscribe({
      consumer: 'tickets',
      event,
      handler: async (message) => {
        let outcome = 'duplicate';
        await applyOnce(runtime.pool, `tickets:${event.type}`, message.id, async (client) => {
          outcome = await releaseHold(client, runtime.schema, message.data.id);
        });
        runtime.logger.info(
          { orderId: message.data.id, event: event.type, outcome },
          'order ended',
        );
      },
    });
  }
}
