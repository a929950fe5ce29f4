import { z } from 'zod';
import { defineEvent } from '../define-event';
import { amountCents, category, currency, matchNumber, uuid, version } from './shared-schemas';

export const orderStatus = z.enum([
  'created',
  'awaiting_payment',
  'complete',
  'cancelled',
  'expired',
]);
export type OrderStatus = z.infer<typeof orderStatus>;

const orderFields = {
  id: uuid,
  userId: uuid,
  kind: z.enum(['primary', 'resale']),
  matchNumber,
  category,
  quantity: z.number().int().positive(),
  /** Set for a resale order: the ticket being bought. */
  ticketId: uuid.nullable(),
  amountCents,
  currency,
  status: orderStatus,
  expiresAt: z.string().datetime({ offset: true }),
  version,
};

/** The hold is in place and the order can be paid until expiresAt. */
export const orderCreated = defineEvent('orders.order.created', z.object(orderFields));
/**
 * matchNumber and category are null only for a resale order cancelled before tickets ever
 * answered its hold (the order does not know its match yet); tickets releases by orderId.
 */
export const orderCancelled = defineEvent(
  'orders.order.cancelled',
  z.object({
    ...orderFields,
    matchNumber: matchNumber.nullable(),
    category: category.nullable(),
    reason: z.string(),
  }),
);
export const orderExpired = defineEvent('orders.order.expired', z.object(orderFields));
export const orderCompleted = defineEvent(
  'orders.order.completed',
  z.object({ ...orderFields, paymentId: uuid }),
);
/** A payment arrived for an order that can no longer be paid; payments refunds it. */
export const orderPaymentRejected = defineEvent(
  'orders.order.payment-rejected',
  z.object({ orderId: uuid, paymentId: uuid, orderStatus, reason: z.string() }),
);

/**
 * A fact, not a state of the order machine: a fan asked for tickets and was refused (sold
 * out, fan limit, temporarily unavailable, …). Published outside the order's transaction,
 * which leaves no order behind, so demand that could not be served stays visible.
 */
export const orderRefused = defineEvent(
  'orders.order.refused',
  z.object({
    userId: uuid,
    kind: z.enum(['primary', 'resale']),
    /** Null for a resale request: the order never learnt the ticket's match. */
    matchNumber: matchNumber.nullable(),
    category: category.nullable(),
    quantity: z.number().int().positive(),
    ticketId: uuid.nullable(),
    /** The error code the fan was answered with, e.g. `not_enough_tickets`. */
    reason: z.string().min(1).max(60),
    status: z.number().int().min(400).max(599),
    /** Seats left in the category when tickets refused for want of them. */
    available: z.number().int().nonnegative().nullable(),
  }),
);
