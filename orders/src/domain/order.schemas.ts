import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BadRequestError, matchNumber, uuid } from '@ticketaka/common';
import {
  primaryOrderSchema,
  resaleOrderSchema,
  type OrderView,
  type PlaceOrderInput,
  type ResaleOrderInput,
} from '@ticketaka/contracts';
import type { OrderRecord } from '../data-access/order.repository';
import { orderStatusSchema } from './order-status';

// The request bodies are contracts shared with the web client.
export { primaryOrderSchema, resaleOrderSchema };
export type { PlaceOrderInput, PrimaryOrderInput, ResaleOrderInput } from '@ticketaka/contracts';

export const isResale = (input: PlaceOrderInput): input is ResaleOrderInput => 'ticketId' in input;

/** What an order asks for, in the one shape the order row and its events store. */
export const requestedItems = (input: PlaceOrderInput) =>
  isResale(input)
    ? {
        kind: 'resale' as const,
        matchNumber: null,
        category: null,
        quantity: 1,
        ticketId: input.ticketId,
      }
    : {
        kind: 'primary' as const,
        matchNumber: input.matchNumber,
        category: input.category,
        quantity: input.quantity,
        ticketId: null,
      };

/** A body with `ticketId` is a resale purchase; anything else is judged as a primary sale. */
export const placeOrderSchemaFor = (body: unknown) =>
  typeof body === 'object' && body !== null && 'ticketId' in body
    ? resaleOrderSchema
    : primaryOrderSchema;

/** Printable ASCII, as the IETF Idempotency-Key draft and the big payment APIs accept. */
const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/);

export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const result = idempotencyKeySchema.safeParse(header);
  if (!result.success) {
    throw new BadRequestError(
      'The Idempotency-Key header must be 1 to 200 printable ASCII characters',
      [{ message: 'must be 1 to 200 printable ASCII characters', field: 'Idempotency-Key' }],
      'invalid_idempotency_key',
    );
  }
  return result.data;
}

/** Same request, same hash: keys are sorted so field order does not matter. */
export function requestHash(input: PlaceOrderInput): string {
  const canonical = JSON.stringify(
    Object.fromEntries(Object.entries(input).sort(([a], [b]) => a.localeCompare(b))),
  );
  return createHash('sha256').update(canonical).digest('hex');
}

export const listOrdersQuerySchema = z.strictObject({
  status: orderStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const orderIdParamsSchema = z.strictObject({ id: uuid });

export const allowanceQuerySchema = z.strictObject({
  matchNumber: z.coerce.number().pipe(matchNumber),
});

/** What a fan (or an admin) sees of an order: the contract's shape, checked by the compiler. */
export function orderView(order: OrderRecord): OrderView {
  return {
    id: order.id,
    userId: order.userId,
    kind: order.kind,
    matchNumber: order.matchNumber,
    category: order.category,
    quantity: order.quantity,
    ticketId: order.ticketId,
    listingId: order.listingId,
    unitPriceCents: order.unitPriceCents,
    amountCents: order.amountCents,
    currency: order.currency,
    status: order.status,
    cancelReason: order.cancelReason,
    paymentId: order.paymentId,
    expiresAt: order.expiresAt.toISOString(),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    version: order.version,
  };
}
export type { OrderView };
