import type { Pool } from '@ticketaka/common';
import type { RecommendationsResponse } from '@ticketaka/contracts';
import { countryOfFan, matchesBoughtBy } from '../data-access/catalogue.repository';
import type { CatalogueCache } from './catalogue-cache';
import { BASELINE_VERSION, type ModelHolder } from './model-holder';
import { rank } from './recommendation-model';
import { isCountryCode, regionName, regionOf } from './regions';

export interface RecommendDeps {
  pool: Pool;
  models: ModelHolder;
  catalogue: CatalogueCache;
  /** Matches kicking off before this are past. */
  after: () => Date;
}

/**
 * Up to `limit` matches for a fan (signed in: their account's country and purchases;
 * anonymous: a country alone), never a past, sold-out or already-bought match. The country
 * is the account's (or the one an anonymous visitor named); the one of the client's address
 * is only a fallback, for anonymous visitors and accounts without a known country.
 */
export async function recommend(
  deps: RecommendDeps,
  who: { userId?: string; country?: string; addressCountry?: string },
  limit: number,
): Promise<RecommendationsResponse> {
  const model = deps.models.current;
  const [bought, storedCountry] = who.userId
    ? await Promise.all([
        matchesBoughtBy(deps.pool, who.userId),
        who.country ? null : countryOfFan(deps.pool, who.userId),
      ])
    : [[], null];
  const stored = storedCountry && isCountryCode(storedCountry) ? storedCountry : undefined;
  const country = who.country ?? stored ?? who.addressCountry;
  const region = regionOf(country);
  const response = {
    country: country ?? null,
    region: region ? regionName(region) : null,
    modelVersion: model?.version ?? BASELINE_VERSION,
  };
  if (!model) return { ...response, recommendations: [] };
  const after = deps.after().getTime();
  const owned = new Set(bought);
  const all = deps.catalogue.entries;
  const candidates = all.filter(
    (m) => !m.soldOut && !owned.has(m.matchNumber) && m.kickOff.getTime() >= after,
  );
  const byNumber = new Map(all.map((m) => [m.matchNumber, m]));
  const ranked = rank(
    model,
    { country, bought: bought.map((n) => byNumber.get(n)).filter((m) => m !== undefined) },
    candidates,
    limit,
  );
  return {
    ...response,
    recommendations: ranked.map((r) => {
      const m = byNumber.get(r.matchNumber)!;
      return {
        matchNumber: m.matchNumber,
        homeTeam: m.homeTeam,
        awayTeam: m.awayTeam,
        kickOff: m.kickOff.toISOString(),
        venue: m.venue,
        score: Math.round(r.score * 1e6) / 1e6,
        reason: r.reason,
      };
    }),
  };
}
