import fs from 'node:fs';
import path from 'node:path';
import { ParquetLake } from '../../data-access/parquet-lake';
import { evaluateModel, type EvaluationReport } from '../../domain/evaluate-model.use-case';
import { seedSyntheticLake } from '../../domain/seed-lake.use-case';
import { flag, MASTER_LIST_FILE, repoRoot, runCli, SYNTHETIC_LAKE } from './cli-support';

/**
 * npm run evaluate -w analytics [-- --lake <folder>] [--seed 42] [--fans 4000] [--no-write]
 * Without --lake it evaluates on the seeded synthetic history (created when missing).
 */
runCli(async () => {
  const given = flag('lake');
  const seed = Number(flag('seed', '42'));
  const fans = Number(flag('fans', '4000'));
  const lakePath = given ? path.resolve(given) : `${SYNTHETIC_LAKE}-seed${seed}-fans${fans}`;
  const lake = await ParquetLake.open(lakePath);
  try {
    if (!given) {
      const written = await seedSyntheticLake(lake, MASTER_LIST_FILE, { seed, fans });
      if (written) console.log(`synthetic history: ${written} events written to ${lakePath}`);
    }
    const started = Date.now();
    const report = await evaluateModel(lake);
    const table = render(report);
    console.log(table);
    console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (!process.argv.includes('--no-write')) {
      const doc = path.join(repoRoot, 'docs', 'recommendations.md');
      const text = fs.readFileSync(doc, 'utf8');
      const marker = /<!-- evaluation:start -->[\s\S]*<!-- evaluation:end -->/;
      const source = given
        ? `the lake at \`${given}\``
        : `the **synthetic** history (seed ${seed}, ${fans} fans)`;
      const block = `<!-- evaluation:start -->\nMeasured on ${source} by \`npm run evaluate -w analytics\`:\n\n${table}\n<!-- evaluation:end -->`;
      fs.writeFileSync(
        doc,
        marker.test(text) ? text.replace(marker, block) : `${text}\n${block}\n`,
      );
      console.log(`written to ${path.relative(repoRoot, doc)}`);
    }
  } finally {
    lake.close();
  }
});

function render(report: EvaluationReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines = [
    `Split at ${report.split}: ${report.purchases.train} purchases before (training), ${report.purchases.test} after (held out), ${report.fans} fans with held-out purchases.`,
    `Model weights chosen on validation: team affinity ${report.weights.affinity}, country–match ${report.weights.countryMatch}, co-purchase ${report.weights.coPurchase}, popularity ${report.weights.popularity}.`,
    '',
    '| ranker | hit rate@5 | NDCG@5 |',
    '| --- | --- | --- |',
    ...report.rows.map((r) => `| ${r.ranker} | ${pct(r.hitRate)} | ${r.ndcg.toFixed(4)} |`),
  ];
  return lines.join('\n');
}
