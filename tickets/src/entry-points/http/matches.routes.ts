import { Router } from 'express';
import { handle, type ServiceRuntime } from '@ticketaka/common';
import { getMatch, listMatches } from '../../domain/browse-matches.use-case';
import { listMatchesQuerySchema, matchParamsSchema } from '../../domain/catalogue.schemas';
import { sendRepresentation, type CatalogueCache } from './catalogue-cache';

/** Serves the catalogue; the unfiltered list and single matches come from the in-memory cache. */
export function matchesRouter(runtime: ServiceRuntime, cache: CatalogueCache): Router {
  const router = Router();

  router.get(
    '/api/matches',
    handle({ query: listMatchesQuerySchema }, async ({ query, req, res }) => {
      // Filtered lists are many and rare: read them from the database each time.
      if (Object.keys(req.query).length > 0)
        return { matches: await listMatches(runtime.pool, query) };
      sendRepresentation(req, res, await cache.get('all'));
    }),
  );

  router.get(
    '/api/matches/:matchNumber',
    handle({ params: matchParamsSchema }, async ({ params, req, res }) => {
      sendRepresentation(req, res, await cache.get(params.matchNumber));
    }),
  );

  return router;
}

/** What the cache stores for each key: exactly the bodies the routes above promise. */
export function catalogueLoader(runtime: ServiceRuntime) {
  return async (key: 'all' | number) =>
    key === 'all'
      ? { matches: await listMatches(runtime.pool, {}) }
      : { match: await getMatch(runtime.pool, key) };
}
