import type { Pool } from '@ticketaka/common';
import type { RecommendationsResponse } from '@ticketaka/contracts';
import { countryOfFan, matchesBoughtBy } from '../data-access/catalogue.repository';
import type { CatalogueCache } from './catalogue-cache';
import { BASELINE_VERSION, type ModelHolder } from './model-holder';
import { rank } from './recommendation-model';
import { regionName, regionOf } from './regions';

export interface RecommendDeps {
  pool: Pool;
  models: ModelHolder;
  catalogue: CatalogueCache;
  /** Matches kicking off before this are past. */
  after: () => Date;
}

/**
 * Up to `limit` matches for a fan (signed in: their account's country and purchases;
 * anonymous: a country alone), never a past, sold-out or already-bought match.
 */
export async function recommend(
  deps: RecommendDeps,
  who: { userId?: string; country?: string },
  limit: number,
): Promise<RecommendationsResponse> {
  const model = deps.models.current;
  const [bought, storedCountry] = who.userId
    ? await Promise.all([
        matchesBoughtBy(deps.pool, who.userId),
        who.country ? null : countryOfFan(deps.pool, who.userId),
      ])
    : [[], null];
  const country = who.country ?? storedCountry ?? undefined;
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
