/** One held-out fan: what they had bought before the split and what they bought after. */
export interface EvaluationCase {
  userId: string;
  country?: string;
  before: number[];
  after: Set<number>;
}

/** Hit rate@k and NDCG@k (binary relevance) of a ranking function over held-out fans. */
export function scoreRankings(
  cases: EvaluationCase[],
  rankFor: (c: EvaluationCase) => number[],
  k = 5,
): { hitRate: number; ndcg: number; fans: number } {
  let hits = 0;
  let ndcg = 0;
  for (const c of cases) {
    const top = rankFor(c).slice(0, k);
    let dcg = 0;
    top.forEach((m, i) => {
      if (c.after.has(m)) dcg += 1 / Math.log2(i + 2);
    });
    let ideal = 0;
    for (let i = 0; i < Math.min(k, c.after.size); i += 1) ideal += 1 / Math.log2(i + 2);
    if (dcg > 0) hits += 1;
    ndcg += ideal > 0 ? dcg / ideal : 0;
  }
  const fans = cases.length;
  return { hitRate: fans ? hits / fans : 0, ndcg: fans ? ndcg / fans : 0, fans };
}
