import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ParquetLake } from '../src/data-access/parquet-lake';
import { evaluateModel } from '../src/domain/evaluate-model.use-case';
import { seedSyntheticLake } from '../src/domain/seed-lake.use-case';
import { MASTER_LIST_FILE } from '../src/entry-points/cli/cli-support';

let lakePath: string;
let lake: ParquetLake;

beforeAll(async () => {
  lakePath = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-evaluation-'));
  lake = await ParquetLake.open(lakePath);
  // Another seed than the documented evaluation, and fewer fans: the margin must not hang
  // on one lucky history.
  await seedSyntheticLake(lake, MASTER_LIST_FILE, { seed: 11, fans: 2000 });
}, 60_000);
afterAll(() => {
  lake.close();
  fs.rmSync(lakePath, { recursive: true, force: true });
});

test('when the model is trained on the past of a synthetic lake, then on the held-out future it beats popularity and region popularity in hit rate@5 and NDCG@5', async () => {
  const report = await evaluateModel(lake);
  const [popularity, region, model] = report.rows;
  expect(report.fans).toBeGreaterThan(100);
  expect(report.purchases.test).toBeGreaterThan(0);
  expect([popularity?.ranker, region?.ranker]).toEqual(['popularity', 'region popularity']);
  expect(model?.ranker).toMatch(/^model/);
  for (const baseline of [popularity!, region!]) {
    expect(model!.hitRate).toBeGreaterThan(baseline.hitRate);
    expect(model!.ndcg).toBeGreaterThan(baseline.ndcg);
  }
}, 120_000);
