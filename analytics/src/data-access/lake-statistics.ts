import type { ParquetLake } from './parquet-lake';

/** Rows per event type in a lake (empty when it has no files). */
export async function lakeTypeCounts(lake: ParquetLake): Promise<Record<string, number>> {
  const source = lake.source();
  if (!source) return {};
  const rows = await lake.query<{ type: string; n: number }>(
    `SELECT type, count(*)::INTEGER AS n FROM ${source} GROUP BY type ORDER BY type`,
  );
  return Object.fromEntries(rows.map((r) => [r.type, r.n]));
}
