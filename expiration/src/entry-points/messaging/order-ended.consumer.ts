import { ordersEvents, type ServiceRuntime } from '@ticketaka/common';
import type { ExpirationQueue } from '../../data-access/expiration-queue';
import { endLock } from '../../domain/schedule-lock.use-case';

/** Paid, cancelled or expired orders need no timer any more. */
export const consumeOrderEnded = (runtime: ServiceRuntime, queue: ExpirationQueue) =>
  runtime.consume(
    [ordersEvents.orderCompleted, ordersEvents.orderCancelled, ordersEvents.orderExpired],
    (event, tx) => endLock(queue, tx, event.data),
  );
