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

/** A column name interpolated into SQL: code constants only, never input. */
const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * `changeWithEvents` for a change of many rows, each with its own event: one statement that
 * changes the rows (a data-modifying statement with RETURNING, each row under its own guard)
 * and appends the event of every row that changed, keyed by `keyColumn`; the events of rows
 * whose guard failed are dropped with them. What only the change knows (a version bumped by
 * the statement itself) is copied from the changed row into the event's `data`
 * (`dataFromRow`: data field → column). One round trip instead of BEGIN, the change, the
 * append and COMMIT for a whole batch: the gate's grouped admissions spent most of their
 * PostgreSQL time on those four (docs/benchmarks.md, "Gate check-in").
 */
export async function changeRowsWithEvents<Row extends object>(
  db: PoolClient | Pool,
  schema: string,
  change: { text: string; values: unknown[] },
  rows: { keyColumn: string; dataFromRow?: Record<string, string> },
  events: { key: string; event: EventEnvelope }[],
): Promise<Row[]> {
  const columns = [rows.keyColumn, ...Object.values(rows.dataFromRow ?? {})];
  const bad = columns.find((c) => !SQL_IDENTIFIER.test(c));
  if (bad) throw new Error(`not a column name: ${bad}`);
  const fromRow = Object.entries(rows.dataFromRow ?? {})
    .map(([field, column]) => `'${field.replace(/'/g, "''")}', c.${column}`)
    .join(', ');
  const payload = fromRow
    ? `jsonb_set(e.payload, '{data}', (e.payload -> 'data') || jsonb_build_object(${fromRow}))`
    : 'e.payload';
  const n = change.values.length;
  const { rows: changed } = await db.query<Row>(
    `WITH changed AS (${change.text}),
     appended AS (
       INSERT INTO outbox (id, type, payload)
       SELECT e.id, e.type, ${payload}
       FROM unnest($${n + 1}::text[], $${n + 2}::uuid[], $${n + 3}::text[], $${n + 4}::jsonb[])
         AS e(key, id, type, payload)
       JOIN changed c ON c.${rows.keyColumn}::text = e.key
       RETURNING 1),
     notified AS (SELECT pg_notify($${n + 5}, count(*)::text) FROM appended HAVING count(*) > 0)
     SELECT changed.* FROM changed LEFT JOIN notified ON true`,
    [
      ...change.values,
      events.map((e) => e.key),
      events.map((e) => e.event.id),
      events.map((e) => e.event.type),
      events.map((e) => JSON.stringify(e.event)),
      outboxChannel(schema),
    ],
  );
  return changed;
}
