import { z } from 'zod';
import { matchNumberParam } from './catalogue.schemas';

const priceCents = z
  .number()
  .int('The price is a whole number of cents')
  .positive('The price must be more than zero')
  .max(100_000_000, 'The price is too high');

export const createListingSchema = z.strictObject({
  ticketId: z.string().uuid('ticketId must be a ticket id'),
  priceCents,
});
export type CreateListingInput = z.infer<typeof createListingSchema>;

export const updateListingSchema = z.strictObject({
  priceCents,
  /** Optional optimistic check: the version the seller last saw. */
  version: z.number().int().positive().optional(),
});
export type UpdateListingInput = z.infer<typeof updateListingSchema>;

export const listingParamsSchema = z.object({ id: z.string().uuid('The listing id is not valid') });

export const listListingsQuerySchema = z.strictObject({ matchNumber: matchNumberParam.optional() });
