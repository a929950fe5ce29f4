import type { Pool, PoolClient } from 'pg';
import type { EventEnvelope } from '../events/define-event';

export const outboxChannel = (schema: string) => `outbox_${schema}`;

/**
 * Records events in the caller's transaction (or, on a pool, in a statement of their own).
 * They become visible to the relay only if that transaction commits, and NOTIFY is
 * delivered at commit too, so the relay wakes exactly when there is something new to publish.
 */
export async function appendToOutbox(
  client: PoolClient | Pool,
  schema: string,
  events: EventEnvelope[],
): Promise<void> {
  if (events.length === 0) return;
  // One round trip: the insert and its NOTIFY (the on-sale profile counts round trips).
  await client.query(
    `WITH appended AS (
       INSERT INTO outbox (id, type, payload)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) RETURNING 1)
     SELECT pg_notify($4, count(*)::text) FROM appended`,
    [
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e)),
      outboxChannel(schema),
    ],
  );
}

/**
 * One statement that makes a state change and appends its events, atomic without a
 * transaction block: `change` is a data-modifying statement with RETURNING (conditional,
 * e.g. on a version); the events are appended only if it returned a row, and its rows are
 * returned. One round trip instead of BEGIN, the change, the append and COMMIT: the on-sale
 * profile (docs/benchmarks.md) showed round trips to PostgreSQL were the cost per order.
 */
export async function changeWithEvents<Row extends object>(
  db: PoolClient | Pool,
  schema: string,
  change: { text: string; values: unknown[] },
  events: EventEnvelope[],
): Promise<Row[]> {
  const n = change.values.length;
  const { rows } = await db.query<Row>(
    `WITH changed AS (${change.text}),
     appended AS (
       INSERT INTO outbox (id, type, payload)
       SELECT * FROM unnest($${n + 1}::uuid[], $${n + 2}::text[], $${n + 3}::jsonb[])
       WHERE EXISTS (SELECT 1 FROM changed) RETURNING 1),
     notified AS (SELECT pg_notify($${n + 4}, count(*)::text) FROM appended HAVING count(*) > 0)
     SELECT changed.* FROM changed LEFT JOIN notified ON true`,
    [
      ...change.values,
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e)),
      outboxChannel(schema),
    ],
  );
  return rows;
}
