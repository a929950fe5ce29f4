import { z } from 'zod';
import { category, cents, currency, isoDateTime, matchNumber, uuid } from './primitives';

const priceCents = z
  .number()
  .int('The price is a whole number of cents')
  .positive('The price must be more than zero')
  .max(100_000_000, 'The price is too high');

/** POST /api/resale */
export const createListingSchema = z.strictObject({
  ticketId: z.string().uuid('ticketId must be a ticket id'),
  priceCents,
});
export type CreateListingInput = z.infer<typeof createListingSchema>;

/** PUT /api/resale/:id */
export const updateListingSchema = z.strictObject({
  priceCents,
  /** Optional optimistic check: the version the seller last saw. */
  version: z.number().int().positive().optional(),
});
export type UpdateListingInput = z.infer<typeof updateListingSchema>;

export const listingStatusSchema = z.enum(['active', 'locked', 'sold', 'withdrawn']);
export type ListingStatus = z.infer<typeof listingStatusSchema>;

/** What fans see of a listing (the seller stays anonymous). */
export const listingViewSchema = z.object({
  id: uuid,
  ticketId: uuid,
  matchNumber,
  category,
  priceCents: cents,
  currency,
  status: listingStatusSchema,
  version: z.number().int(),
  createdAt: isoDateTime,
});
export type ListingView = z.infer<typeof listingViewSchema>;

export const listingResponseSchema = z.object({ listing: listingViewSchema });
export const listingListResponseSchema = z.object({ listings: z.array(listingViewSchema) });

export const ticketStatusSchema = z.enum(['valid', 'listed', 'locked', 'checked_in', 'void']);

/** One of the fan's tickets (GET /api/tickets/mine), with its match and open listing. */
export const myTicketViewSchema = z.object({
  id: uuid,
  orderId: uuid,
  /** The seat's position within its order (1…quantity). */
  seatIndex: z.number().int().positive(),
  matchNumber,
  category,
  facePriceCents: cents,
  currency,
  status: ticketStatusSchema,
  version: z.number().int(),
  match: z
    .object({
      kickOff: isoDateTime,
      venue: z.string(),
      homeTeam: z.string(),
      awayTeam: z.string(),
      group: z.string().nullable(),
      roundNumber: z.number().int(),
    })
    .optional(),
  listing: z
    .object({
      id: uuid,
      status: listingStatusSchema,
      priceCents: cents,
      version: z.number().int(),
    })
    .nullable(),
});
export type MyTicketView = z.infer<typeof myTicketViewSchema>;
export const myTicketsResponseSchema = z.object({ tickets: z.array(myTicketViewSchema) });
