import { applyOnce, ordersEvents, type ServiceRuntime } from '@ticketaka/common';
import { completeSale } from '../../domain/complete-sale.use-case';

/** A paid order turns its hold into tickets (or, for resale, moves the ticket to the buyer). */
export async function consumeOrderCompleted(runtime: ServiceRuntime): Promise<void> {
  await runtime.bus.subscribe({
    consumer: 'tickets',
    event: ordersEvents.orderCompleted,
    handler: async (message) => {
      let outcome = 'duplicate';
      await applyOnce(
        runtime.pool,
        `tickets:${ordersEvents.orderCompleted.type}`,
        message.id,
        async (client) => {
          outcome = await completeSale(client, runtime.schema, message.data.id);
        },
      );
      const log = { orderId: message.data.id, outcome };
      if (outcome === 'released_before_completion') {
        runtime.logger.error(
          log,
          'order completed after its hold was released; nothing sold, orders must refund',
        );
      } else {
        runtime.logger.info(log, 'order completed');
      }
    },
  });
}
