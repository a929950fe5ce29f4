import type { ParquetLake } from '../data-access/parquet-lake';
import {
  allPurchases,
  catalogue,
  fanCountries,
  loadPurchaseHistory,
  modelCounts,
  timeQuantile,
} from '../data-access/purchase-history.repository';
import { scoreRankings, type EvaluationCase } from './ranking-metrics';
import { rank, type CandidateMatch, type RecommendationModel } from './recommendation-model';
import { regionOf } from './regions';

type Weights = RecommendationModel['weights'];

export interface History {
  matches: CandidateMatch[];
  countryOf: Map<string, string>;
  purchases: { userId: string; matchNumber: number; at: string }[];
}

export async function readHistory(lake: ParquetLake): Promise<History | null> {
  if (!(await loadPurchaseHistory(lake))) return null;
  const [matches, fans, purchases] = await Promise.all([
    catalogue(lake),
    fanCountries(lake),
    allPurchases(lake),
  ]);
  return {
    matches: matches.map((m) => ({
      matchNumber: m.match_number,
      homeTeam: m.home_team,
      awayTeam: m.away_team,
    })),
    countryOf: new Map(fans.map((f) => [f.user_id, f.country])),
    purchases: purchases.map((p) => ({ userId: p.user_id, matchNumber: p.match_number, at: p.at })),
  };
}

/** Fits the counts of the model on purchases before `until` (all when null). */
export async function fitModel(
  lake: ParquetLake,
  until: string | null,
  weights: Weights,
  version: string,
): Promise<RecommendationModel> {
  const c = await modelCounts(lake, until);
  const nested = <R>(
    rows: R[],
    outer: (r: R) => string,
    inner: (r: R) => string,
    value: (r: R) => number,
  ) => {
    const result: Record<string, Record<string, number>> = {};
    for (const r of rows) (result[outer(r)] ??= {})[inner(r)] = value(r);
    return result;
  };
  return {
    version,
    trainedAt: new Date().toISOString(),
    weights,
    countryTeam: nested(
      c.countryTeam,
      (r) => r.country,
      (r) => r.team,
      (r) => r.share,
    ),
    regionTeam: nested(
      c.regionTeam,
      (r) => r.region,
      (r) => r.team,
      (r) => r.share,
    ),
    globalTeam: Object.fromEntries(c.globalTeam.map((r) => [r.team, r.share])),
    countryMatch: nested(
      c.countryMatch,
      (r) => r.country,
      (r) => String(r.match_number),
      (r) => r.share,
    ),
    teamCoPurchase: nested(
      c.lift,
      (r) => r.from_team,
      (r) => r.to_team,
      (r) => r.lift,
    ),
    matchPopularity: Object.fromEntries(c.popularity.map((r) => [String(r.match_number), r.share])),
    trainedOn: { purchases: c.totals.purchases, fans: c.totals.fans, until },
  };
}

/** Fans who bought before and after `split`: the held-out cases of a time-based split. */
export function casesAt(
  history: History,
  split: string,
  until: string | null = null,
): EvaluationCase[] {
  const byFan = new Map<string, EvaluationCase>();
  for (const p of history.purchases) {
    if (until && p.at >= until) continue;
    let c = byFan.get(p.userId);
    if (!c) {
      c = {
        userId: p.userId,
        country: history.countryOf.get(p.userId),
        before: [],
        after: new Set(),
      };
      byFan.set(p.userId, c);
    }
    if (p.at < split) c.before.push(p.matchNumber);
    else if (!c.before.includes(p.matchNumber)) c.after.add(p.matchNumber);
  }
  return [...byFan.values()].filter((c) => c.after.size > 0);
}

export function modelRanker(model: RecommendationModel, history: History) {
  const byNumber = new Map(history.matches.map((m) => [m.matchNumber, m]));
  return (c: EvaluationCase) => {
    const bought = new Set(c.before);
    const candidates = history.matches.filter((m) => !bought.has(m.matchNumber));
    const profile = {
      country: c.country,
      bought: c.before.map((n) => byNumber.get(n)).filter((m): m is CandidateMatch => !!m),
    };
    return rank(model, profile, candidates, 5).map((s) => s.matchNumber);
  };
}

const GRID = {
  affinity: [0.5, 1, 2],
  countryMatch: [0, 2, 5, 10],
  coPurchase: [0, 0.05, 0.1, 0.2],
  popularity: [0, 0.05, 0.1],
};

/**
 * Trains a model on purchases before `until` (all when null): the blend weights are
 * chosen on the last 15 % of that period (fitted on what came before it, scored by
 * NDCG@5), then the counts are refitted on the whole period.
 */
export async function trainModel(
  lake: ParquetLake,
  /** `weights` skips the search (tests that check serving, not the choice of weights). */
  options: { until?: string | null; version?: string; weights?: Weights } = {},
): Promise<{ model: RecommendationModel; validation: { hitRate: number; ndcg: number } } | null> {
  const history = await readHistory(lake);
  if (!history || history.purchases.length === 0) return null;
  const until = options.until ?? null;
  const inPeriod = history.purchases.filter((p) => !until || p.at < until);
  const validationFrom = inPeriod[Math.floor(inPeriod.length * 0.85)]?.at ?? until;
  const version = options.version ?? `m${new Date().toISOString().replace(/[-:.TZ]/g, '')}`;
  let best = {
    weights: { affinity: 1, countryMatch: 0, coPurchase: 0, popularity: 0.1 },
    ndcg: -1,
    hitRate: 0,
  };
  if (options.weights) best = { weights: options.weights, ndcg: 0, hitRate: 0 };
  else if (validationFrom) {
    const cases = casesAt(history, validationFrom, until);
    const counts = await fitModel(lake, validationFrom, best.weights, version);
    for (const affinity of GRID.affinity)
      for (const countryMatch of GRID.countryMatch)
        for (const coPurchase of GRID.coPurchase)
          for (const popularity of GRID.popularity) {
            const weights = { affinity, countryMatch, coPurchase, popularity };
            const score = scoreRankings(cases, modelRanker({ ...counts, weights }, history));
            if (score.ndcg > best.ndcg)
              best = { weights, ndcg: score.ndcg, hitRate: score.hitRate };
          }
  }
  const model = await fitModel(lake, until, best.weights, version);
  return { model, validation: { hitRate: best.hitRate, ndcg: Math.max(0, best.ndcg) } };
}

/** Baselines: the most bought matches overall, and among fans of the same region. */
export function popularityRankers(history: History, split: string) {
  const overall = new Map<number, number>();
  const byRegion = new Map<string, Map<number, number>>();
  for (const p of history.purchases) {
    if (p.at >= split) continue;
    overall.set(p.matchNumber, (overall.get(p.matchNumber) ?? 0) + 1);
    const region = regionOf(history.countryOf.get(p.userId)) ?? '?';
    const counts = byRegion.get(region) ?? new Map<number, number>();
    counts.set(p.matchNumber, (counts.get(p.matchNumber) ?? 0) + 1);
    byRegion.set(region, counts);
  }
  const order = (counts: Map<number, number>) => (c: EvaluationCase) =>
    history.matches
      .filter((m) => !c.before.includes(m.matchNumber))
      .map(
        (m) =>
          [
            m.matchNumber,
            (counts.get(m.matchNumber) ?? 0) + (overall.get(m.matchNumber) ?? 0) * 1e-6,
          ] as const,
      )
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([n]) => n);
  return {
    popularity: order(overall),
    regionPopularity: (c: EvaluationCase) =>
      order(byRegion.get(regionOf(c.country) ?? '?') ?? overall)(c),
  };
}

export { timeQuantile };
