import type { Pool, PoolClient } from '@ticketaka/common';
import type { LakeEvent } from '../domain/lake-event';

/**
 * The inbox for a whole batch: records every id in processed_events and returns the ids
 * that were not there yet (a duplicate inside the batch is also seen once).
 */
export async function claimNewEvents(
  client: PoolClient,
  consumer: string,
  ids: string[],
): Promise<Set<string>> {
  const { rows } = await client.query<{ event_id: string }>(
    `INSERT INTO processed_events (consumer, event_id)
     SELECT $1, id FROM unnest($2::uuid[]) AS id
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [consumer, ids],
  );
  return new Set(rows.map((r) => r.event_id));
}

export async function stageEvents(client: PoolClient, lake: string, events: LakeEvent[]) {
  if (events.length === 0) return;
  await client.query(
    `INSERT INTO staged_events (lake, event_id, type, occurred_at, schema_version, stream_seq, payload)
     SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::int[], $6::bigint[], $7::jsonb[])`,
    [
      lake,
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.occurredAt),
      events.map((e) => e.schemaVersion),
      events.map((e) => e.streamSeq),
      events.map((e) => JSON.stringify(e)),
    ],
  );
}

/** Gives the staged events of a lake that are in no batch yet a new batch id. */
export async function openBatch(pool: Pool, lake: string, limit: number): Promise<void> {
  await pool.query(
    `WITH chosen AS (SELECT seq FROM staged_events WHERE lake = $1 AND batch_id IS NULL ORDER BY seq LIMIT $2),
     batch AS (INSERT INTO lake_batches (lake) SELECT $1 WHERE EXISTS (SELECT 1 FROM chosen) RETURNING id)
     UPDATE staged_events SET batch_id = (SELECT id FROM batch) WHERE seq IN (SELECT seq FROM chosen)`,
    [lake, limit],
  );
}

/** Batches not yet written to Parquet (a crash may have left one half written). */
export async function unwrittenBatches(pool: Pool, lake: string): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT b.id FROM lake_batches b WHERE b.lake = $1 AND b.written_at IS NULL
       AND EXISTS (SELECT 1 FROM staged_events s WHERE s.batch_id = b.id) ORDER BY b.id`,
    [lake],
  );
  return rows.map((r) => r.id);
}

export async function eventsOfBatch(pool: Pool, batchId: string): Promise<LakeEvent[]> {
  const { rows } = await pool.query<{ payload: LakeEvent }>(
    'SELECT payload FROM staged_events WHERE batch_id = $1 ORDER BY seq',
    [batchId],
  );
  return rows.map((r) => r.payload);
}

/** The batch is in the lake: its staged rows go, in one transaction with the record. */
export async function markBatchWritten(pool: Pool, batchId: string, files: string[], rows: number) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      'UPDATE lake_batches SET written_at = now(), row_count = $2, files = $3 WHERE id = $1',
      [batchId, rows, files],
    );
    await client.query('DELETE FROM staged_events WHERE batch_id = $1', [batchId]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function stagedCount(pool: Pool, lake: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM staged_events WHERE lake = $1',
    [lake],
  );
  return Number(rows[0]?.n ?? 0);
}

export async function recordCompaction(pool: Pool, lake: string, output: string, inputs: string[]) {
  const { rows } = await pool.query<{ id: string }>(
    'INSERT INTO lake_compactions (lake, output, inputs) VALUES ($1, $2, $3) RETURNING id',
    [lake, output, inputs],
  );
  return rows[0]!.id;
}

export async function unfinishedCompactions(pool: Pool, lake: string) {
  const { rows } = await pool.query<{ id: string; output: string; inputs: string[] }>(
    'SELECT id, output, inputs FROM lake_compactions WHERE lake = $1 AND done_at IS NULL ORDER BY id',
    [lake],
  );
  return rows;
}

export async function finishCompaction(pool: Pool, id: string) {
  await pool.query('UPDATE lake_compactions SET done_at = now() WHERE id = $1', [id]);
}
