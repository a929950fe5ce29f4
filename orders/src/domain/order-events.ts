import { ordersEvents } from '@ticketaka/common';
import type { OrderRecord } from '../data-access/order.repository';

/** The fields every order event carries, taken from the order as it was just written. */
function fields(order: OrderRecord) {
  return {
    id: order.id,
    userId: order.userId,
    kind: order.kind,
    quantity: order.quantity,
    ticketId: order.ticketId,
    amountCents: order.amountCents,
    currency: order.currency,
    status: order.status,
    expiresAt: order.expiresAt.toISOString(),
    version: order.version,
  };
}

/** Every state after `created` has been confirmed by tickets, so it knows its match. */
function held(order: OrderRecord) {
  if (order.matchNumber === null || order.category === null) {
    throw new Error(`order ${order.id} is ${order.status} but does not know its match`);
  }
  return { ...fields(order), matchNumber: order.matchNumber, category: order.category };
}

export const orderCreatedEvent = (order: OrderRecord) =>
  ordersEvents.orderCreated.create(held(order));

export const orderExpiredEvent = (order: OrderRecord) =>
  ordersEvents.orderExpired.create(held(order));

export const orderCompletedEvent = (order: OrderRecord, paymentId: string) =>
  ordersEvents.orderCompleted.create({ ...held(order), paymentId });

export const orderCancelledEvent = (order: OrderRecord, reason: string) =>
  ordersEvents.orderCancelled.create({
    ...fields(order),
    matchNumber: order.matchNumber,
    category: order.category,
    reason,
  });
