import { ordersEvents, type ServiceRuntime } from '@ticketaka/common';
import { releaseHold } from '../../domain/release-hold.use-case';

/** A cancelled or expired order gives its hold back. */
export const consumeOrderEnded = (runtime: ServiceRuntime) =>
  runtime.consume(
    [ordersEvents.orderCancelled, ordersEvents.orderExpired],
    (event, tx) => releaseHold(tx, runtime.schema, event.data.id),
    {
      afterCommit: (event, outcome) =>
        runtime.logger.info({ orderId: event.data.id, event: event.type, outcome }, 'order ended'),
    },
  );
