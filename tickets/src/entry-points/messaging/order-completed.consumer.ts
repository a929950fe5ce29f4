import { ordersEvents, type ServiceRuntime } from '@ticketaka/common';
import { completeSale } from '../../domain/complete-sale.use-case';

/** A paid order turns its hold into tickets (or, for resale, moves the ticket to the buyer). */
export const consumeOrderCompleted = (runtime: ServiceRuntime) =>
  runtime.consume(
    ordersEvents.orderCompleted,
    (event, tx) => completeSale(tx, runtime.schema, event.data.id),
    {
      afterCommit: (event, outcome) => {
        const log = { orderId: event.data.id, outcome };
        if (outcome === 'released_before_completion') {
          runtime.logger.error(
            log,
            'order completed after its hold was released; nothing sold, orders must refund',
          );
        } else {
          runtime.logger.info(log, 'order completed');
        }
      },
    },
  );
