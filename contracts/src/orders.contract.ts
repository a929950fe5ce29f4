import { z } from 'zod';
import { category, cents, isoDateTime, matchNumber, uuid } from './primitives';

export const orderStatusSchema = z.enum([
  'created',
  'awaiting_payment',
  'complete',
  'cancelled',
  'expired',
]);
export type OrderStatus = z.infer<typeof orderStatusSchema>;

/** POST /api/orders, primary sale: the client names what it wants; the price comes from tickets. */
export const primaryOrderSchema = z.strictObject({
  matchNumber,
  category,
  quantity: z.number().int().min(1).max(10),
});
/** POST /api/orders, resale: one listed ticket. */
export const resaleOrderSchema = z.strictObject({ ticketId: uuid });
export type PrimaryOrderInput = z.infer<typeof primaryOrderSchema>;
export type ResaleOrderInput = z.infer<typeof resaleOrderSchema>;
export type PlaceOrderInput = PrimaryOrderInput | ResaleOrderInput;

/** What a fan (or an admin) sees of an order. */
export const orderViewSchema = z.object({
  id: uuid,
  userId: uuid,
  kind: z.enum(['primary', 'resale']),
  /** Null only for a resale order whose hold tickets has not answered yet. */
  matchNumber: matchNumber.nullable(),
  category: category.nullable(),
  quantity: z.number().int().positive(),
  ticketId: uuid.nullable(),
  listingId: uuid.nullable(),
  unitPriceCents: cents,
  amountCents: cents,
  currency: z.string(),
  status: orderStatusSchema,
  /** Why it was cancelled: `fan_request`, `sold_on_partner`, `not_enough_tickets`, … */
  cancelReason: z.string().nullable(),
  paymentId: uuid.nullable(),
  /** The lock deadline: the order can be paid until then. */
  expiresAt: isoDateTime,
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  version: z.number().int(),
});
export type OrderView = z.infer<typeof orderViewSchema>;

export const orderResponseSchema = z.object({ order: orderViewSchema });
export const orderListResponseSchema = z.object({ orders: z.array(orderViewSchema) });

/** GET /api/orders/allowance?matchNumber=: how many more tickets this fan may order. */
export const fanAllowanceResponseSchema = z.object({
  matchNumber,
  limit: z.number().int().positive(),
  used: z.number().int().nonnegative(),
  remaining: z.number().int().nonnegative(),
});
export type FanAllowance = z.infer<typeof fanAllowanceResponseSchema>;
