/** Nearest-rank percentile of an ascending list (the value at or below which p% of samples fall). */
export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
