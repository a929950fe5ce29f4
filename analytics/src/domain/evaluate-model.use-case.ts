import type { ParquetLake } from '../data-access/parquet-lake';
import { timeQuantile } from '../data-access/purchase-history.repository';
import { scoreRankings } from './ranking-metrics';
import {
  casesAt,
  modelRanker,
  popularityRankers,
  readHistory,
  trainModel,
} from './train-model.use-case';

export interface EvaluationReport {
  split: string;
  purchases: { train: number; test: number };
  fans: number;
  weights: { affinity: number; countryMatch: number; coPurchase: number; popularity: number };
  rows: { ranker: string; hitRate: number; ndcg: number }[];
}

/**
 * Time-based split of the lake's purchases (the first `trainShare` for training, the rest
 * held out): the model is trained on the past only and every ranker is scored by hit
 * rate@5 and NDCG@5 on what each fan bought after the split.
 */
export async function evaluateModel(
  lake: ParquetLake,
  trainShare = 0.8,
): Promise<EvaluationReport> {
  const history = await readHistory(lake);
  if (!history || history.purchases.length < 10)
    throw new Error('the lake has too few purchases to evaluate');
  const split = await timeQuantile(lake, trainShare);
  const trained = await trainModel(lake, { until: split, version: 'evaluation' });
  if (!trained) throw new Error('nothing to train on before the split');
  const cases = casesAt(history, split);
  const baselines = popularityRankers(history, split);
  const rows = [
    { ranker: 'popularity', ...scoreRankings(cases, baselines.popularity) },
    { ranker: 'region popularity', ...scoreRankings(cases, baselines.regionPopularity) },
    {
      ranker: `model (${trained.model.version})`,
      ...scoreRankings(cases, modelRanker(trained.model, history)),
    },
  ];
  const test = history.purchases.filter((p) => p.at >= split).length;
  return {
    split,
    purchases: { train: history.purchases.length - test, test },
    fans: cases.length,
    weights: trained.model.weights,
    rows: rows.map(({ ranker, hitRate, ndcg }) => ({ ranker, hitRate, ndcg })),
  };
}
