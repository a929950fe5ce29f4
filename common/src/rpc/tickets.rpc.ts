import { z } from 'zod';
import { amountCents, category, currency, matchNumber, uuid } from '../events/catalogue/shared-schemas';

/**
 * Orders asks tickets for a hold and needs the answer at once (NATS request/reply).
 * The hold is keyed by the order id: asking again for the same order returns the same
 * hold. Prices come from tickets, never from the client.
 */
export const HOLD_SUBJECT = 'rpc.tickets.hold';

export const holdRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('primary'),
    orderId: uuid,
    userId: uuid,
    matchNumber,
    category,
    quantity: z.number().int().min(1).max(10),
  }),
  z.object({ kind: z.literal('resale'), orderId: uuid, userId: uuid, ticketId: uuid }),
]);
export type HoldRequest = z.infer<typeof holdRequestSchema>;

export const holdResponseSchema = z.discriminatedUnion('held', [
  z.object({
    held: z.literal(true),
    orderId: uuid,
    matchNumber,
    category,
    quantity: z.number().int().positive(),
    unitPriceCents: amountCents,
    amountCents,
    currency,
    /** For a resale hold: the ticket and its listing. */
    ticketId: uuid.nullable(),
    listingId: uuid.nullable(),
  }),
  z.object({
    held: z.literal(false),
    reason: z.enum(['not_enough_tickets', 'listing_unavailable']),
    /** What is left to hold in that category right now. */
    available: z.number().int().nonnegative(),
  }),
]);
export type HoldResponse = z.infer<typeof holdResponseSchema>;
