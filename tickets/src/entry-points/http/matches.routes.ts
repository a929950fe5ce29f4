import { Router } from 'express';
import { handle, type ServiceRuntime } from '@ticketaka/common';
import { getMatch, listMatches } from '../../domain/browse-matches.use-case';
import { listMatchesQuerySchema, matchParamsSchema } from '../../domain/catalogue.schemas';

export function matchesRouter(runtime: ServiceRuntime): Router {
  const router = Router();

  router.get(
    '/api/matches',
    handle({ query: listMatchesQuerySchema }, async ({ query }) => ({
      matches: await listMatches(runtime.pool, query),
    })),
  );

  router.get(
    '/api/matches/:matchNumber',
    handle({ params: matchParamsSchema }, async ({ params }) => ({
      match: await getMatch(runtime.pool, params.matchNumber),
    })),
  );

  return router;
}
