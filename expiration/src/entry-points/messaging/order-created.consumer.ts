import { ordersEvents, type ServiceRuntime } from '@ticketaka/common';
import type { ExpirationQueue } from '../../data-access/expiration-queue';
import { scheduleLock } from '../../domain/schedule-lock.use-case';

export const consumeOrderCreated = (runtime: ServiceRuntime, queue: ExpirationQueue) =>
  runtime.consume(ordersEvents.orderCreated, (event, tx) =>
    scheduleLock(runtime, queue, tx, event.data),
  );
