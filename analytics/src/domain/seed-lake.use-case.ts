import fs from 'node:fs';
import type { EventEnvelope } from '@ticketaka/common';
import type { ParquetLake } from '../data-access/parquet-lake';
import { toLakeEvent } from './lake-event';
import { syntheticHistory, type SyntheticMatch, type SyntheticOptions } from './synthetic-history';

/** Writes envelopes straight into a lake (no broker): the synthetic history's path in. */
export async function writeEnvelopes(
  lake: ParquetLake,
  events: EventEnvelope[],
  batchSize = 50_000,
) {
  for (let i = 0; i < events.length; i += batchSize) {
    const rows = events
      .slice(i, i + batchSize)
      .map((payload, j) =>
        toLakeEvent({ subject: payload.type, streamSeq: i + j + 1, payload, deliveryCount: 1 }),
      );
    await lake.writeBatch(`s${String(i / batchSize).padStart(6, '0')}`, rows);
  }
}

/** Fills an empty lake with the seeded synthetic history; a lake with files is left alone. */
export async function seedSyntheticLake(
  lake: ParquetLake,
  masterListFile: string,
  options: SyntheticOptions = {},
): Promise<number> {
  if (lake.partitions().some((p) => p.files.length > 0)) return 0;
  const matches = JSON.parse(fs.readFileSync(masterListFile, 'utf8')) as SyntheticMatch[];
  const events = syntheticHistory(matches, options);
  await writeEnvelopes(lake, events);
  return events.length;
}
