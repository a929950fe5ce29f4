import { Router } from 'express';
import { z } from 'zod';
import { BadRequestError, handle, requireRole } from '@ticketaka/common';
import { sharedStatistics } from '../../domain/statistics.use-case';
import { recommend, type RecommendDeps } from '../../domain/recommend.use-case';
import type { IngestLag } from '../../domain/ingest-lag';
import { isCountryCode } from '../../domain/regions';
import { countryOfAddress } from '../../data-access/geoip';

const recommendationsQuerySchema = z.strictObject({
  /** For anonymous fans: the country to recommend for (ISO 3166 alpha-2). */
  country: z
    .string()
    .transform((c) => c.toUpperCase())
    .refine(isCountryCode, 'must be an ISO 3166 alpha-2 country code, e.g. AR')
    .optional(),
  limit: z.coerce.number().int().min(1).max(20).optional(),
});

export function analyticsRouter(
  deps: RecommendDeps & { lag: IngestLag; defaultLimit: number; statsMaxAgeMs: number },
): Router {
  const router = Router();
  const statistics = sharedStatistics(deps.pool, deps.lag, deps.statsMaxAgeMs);

  router.get(
    '/api/analytics/stats',
    requireRole('admin'),
    handle({}, () => statistics()),
  );

  router.get(
    '/api/recommendations',
    handle({ query: recommendationsQuerySchema }, async ({ query, user, req }) => {
      // A signed-in fan's country is their account's; a query cannot speak for them.
      if (user && query.country && query.country !== user.country) {
        throw new BadRequestError(
          'Signed-in fans get recommendations for their account country',
          [{ message: 'leave it out when signed in', field: 'query.country' }],
          'country_not_allowed',
        );
      }
      // The client address as the gateway established it: `req.ip` believes X-Forwarded-For
      // only from the gateway ('trust proxy' in common's service app), and the gateway writes
      // that header itself, replacing whatever the client sent.
      const account = user?.country.toUpperCase();
      return recommend(
        deps,
        {
          userId: user?.id,
          country: user ? (account && isCountryCode(account) ? account : undefined) : query.country,
          addressCountry: countryOfAddress(req.ip),
        },
        query.limit ?? deps.defaultLimit,
      );
    }),
  );

  return router;
}
