import { Router } from 'express';
import { handle, requireAuth, type CurrentUser, type ServiceRuntime } from '@ticketaka/common';
import type { TicketsConfig } from '../../config';
import { listActiveListings, myTickets } from '../../domain/browse-resale.use-case';
import {
  createListing,
  updateListingPrice,
  withdrawListing,
} from '../../domain/manage-listing.use-case';
import {
  createListingSchema,
  listingParamsSchema,
  listListingsQuerySchema,
  updateListingSchema,
} from '../../domain/resale.schemas';

export function resaleRouter(runtime: ServiceRuntime<TicketsConfig>): Router {
  const router = Router();
  const deps = {
    pool: runtime.pool,
    schema: runtime.schema,
    priceCapRatio: runtime.config.RESALE_PRICE_CAP_RATIO,
  };
  // requireAuth has run, so the user is there.
  const signedIn = (user: CurrentUser | null) => user as CurrentUser;

  router.get(
    '/api/tickets/mine',
    requireAuth,
    handle({}, async ({ user }) => ({ tickets: await myTickets(runtime.pool, signedIn(user)) })),
  );

  router.get(
    '/api/resale',
    handle({ query: listListingsQuerySchema }, async ({ query }) => ({
      listings: await listActiveListings(runtime.pool, query),
    })),
  );

  router.post(
    '/api/resale',
    requireAuth,
    handle(
      { body: createListingSchema },
      async ({ body, user }) => ({ listing: await createListing(deps, signedIn(user), body) }),
      201,
    ),
  );

  router.put(
    '/api/resale/:id',
    requireAuth,
    handle(
      { params: listingParamsSchema, body: updateListingSchema },
      async ({ params, body, user }) => ({
        listing: await updateListingPrice(deps, signedIn(user), params.id, body),
      }),
    ),
  );

  router.delete(
    '/api/resale/:id',
    requireAuth,
    handle({ params: listingParamsSchema }, async ({ params, user }) => ({
      listing: await withdrawListing(deps, signedIn(user), params.id),
    })),
  );

  return router;
}
