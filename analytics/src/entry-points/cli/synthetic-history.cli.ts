import path from 'node:path';
import { ParquetLake } from '../../data-access/parquet-lake';
import { seedSyntheticLake } from '../../domain/seed-lake.use-case';
import { flag, MASTER_LIST_FILE, runCli, SYNTHETIC_LAKE } from './cli-support';

/** npm run lake:synthetic -w analytics [-- --lake <folder>] [--seed 42] [--fans 4000] */
runCli(async () => {
  const seed = Number(flag('seed', '42'));
  const fans = Number(flag('fans', '4000'));
  const lakePath = path.resolve(flag('lake') ?? `${SYNTHETIC_LAKE}-seed${seed}-fans${fans}`);
  const lake = await ParquetLake.open(lakePath);
  try {
    const written = await seedSyntheticLake(lake, MASTER_LIST_FILE, { seed, fans });
    console.log(
      written
        ? `${written} synthetic events written to ${lakePath}`
        : `${lakePath} already holds files; left alone`,
    );
  } finally {
    lake.close();
  }
});
