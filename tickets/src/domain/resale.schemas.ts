import { z } from 'zod';
import { matchNumberParam } from './catalogue.schemas';

// The request bodies are the public contract (shared with the web client), declared once there.
export {
  createListingSchema,
  updateListingSchema,
  type CreateListingInput,
  type UpdateListingInput,
} from '@ticketaka/contracts';

export const listingParamsSchema = z.object({ id: z.string().uuid('The listing id is not valid') });

export const listListingsQuerySchema = z.strictObject({ matchNumber: matchNumberParam.optional() });
