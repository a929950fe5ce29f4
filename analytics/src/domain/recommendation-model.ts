import { z } from 'zod';
import { regionOf, regionName, type Region } from './regions';

/**
 * The trained model: how much fans of each country (and, smoothed, each region) buy each
 * team's matches, how buying one team's match predicts another's (lift), and how popular
 * each match is, blended with weights chosen on held-out data. Small and plain JSON, so it
 * is stored versioned in PostgreSQL and served from memory.
 */
export const recommendationModelSchema = z.object({
  version: z.string(),
  trainedAt: z.string(),
  weights: z.object({
    affinity: z.number(),
    countryMatch: z.number().default(0),
    coPurchase: z.number(),
    popularity: z.number(),
  }),
  /** Share of a country's purchases on each match (matches seen in training only). */
  countryMatch: z.record(z.string(), z.record(z.string(), z.number())).default({}),
  countryTeam: z.record(z.string(), z.record(z.string(), z.number())),
  regionTeam: z.record(z.string(), z.record(z.string(), z.number())),
  globalTeam: z.record(z.string(), z.number()),
  teamCoPurchase: z.record(z.string(), z.record(z.string(), z.number())),
  matchPopularity: z.record(z.string(), z.number()),
  trainedOn: z.object({ purchases: z.number(), fans: z.number(), until: z.string().nullable() }),
});
export type RecommendationModel = z.infer<typeof recommendationModelSchema>;

export interface CandidateMatch {
  matchNumber: number;
  homeTeam: string;
  awayTeam: string;
}

export interface FanProfile {
  country?: string;
  /** Matches the fan already bought (with their teams), for "fans who bought … also bought". */
  bought: CandidateMatch[];
}

export interface Scored {
  matchNumber: number;
  score: number;
  reason: string;
}

/** Share of a country's (or, failing that, its region's, or everyone's) purchases on a team. */
export function affinity(model: RecommendationModel, country: string | undefined, team: string) {
  const region = regionOf(country);
  return (
    (country ? model.countryTeam[country]?.[team] : undefined) ??
    (region ? model.regionTeam[region]?.[team] : undefined) ??
    model.globalTeam[team] ??
    0
  );
}

const teamsOf = (m: CandidateMatch) => [m.homeTeam, m.awayTeam];
const label = (m: CandidateMatch) => `${m.homeTeam}–${m.awayTeam}`;

/** Ranks candidates for one fan; pure, so training, evaluation and serving share it. */
export function rank(
  model: RecommendationModel,
  fan: FanProfile,
  candidates: CandidateMatch[],
  limit: number,
): Scored[] {
  const { weights } = model;
  const where = fan.country ? placeName(fan.country) : null;
  const scored = candidates.map((m) => {
    const aff = teamsOf(m).reduce((sum, t) => sum + affinity(model, fan.country, t), 0);
    let co = 0;
    let because: CandidateMatch | undefined;
    for (const b of fan.bought) {
      for (const from of teamsOf(b)) {
        for (const to of teamsOf(m)) {
          const lift = model.teamCoPurchase[from]?.[to] ?? 0;
          if (lift > co) {
            co = lift;
            because = b;
          }
        }
      }
    }
    const pop = model.matchPopularity[String(m.matchNumber)] ?? 0;
    const direct = fan.country
      ? (model.countryMatch[fan.country]?.[String(m.matchNumber)] ?? 0)
      : 0;
    const parts = {
      affinity: weights.affinity * aff + weights.countryMatch * direct,
      coPurchase: weights.coPurchase * co,
      popularity: weights.popularity * pop,
    };
    const score = parts.affinity + parts.coPurchase + parts.popularity;
    let reason = 'Popular with fans right now';
    if (parts.coPurchase >= parts.affinity && parts.coPurchase > parts.popularity && because) {
      reason = `Fans who bought ${label(because)} also bought this match`;
    } else if (parts.affinity >= parts.popularity && where) {
      reason = `Popular with fans from ${where}`;
    }
    return { matchNumber: m.matchNumber, score, reason };
  });
  return scored.sort((a, b) => b.score - a.score || a.matchNumber - b.matchNumber).slice(0, limit);
}

function placeName(country: string): string {
  const region = regionOf(country);
  return region ? regionName(region as Region) : country;
}
