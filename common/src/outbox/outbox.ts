import type { PoolClient } from 'pg';
import type { EventEnvelope } from '../events/define-event';

export const outboxChannel = (schema: string) => `outbox_${schema}`;

/**
 * Records events in the caller's transaction. They become visible to the relay only if
 * that transaction commits, and NOTIFY is delivered at commit too, so the relay wakes
 * exactly when there is something new to publish.
 */
export async function appendToOutbox(
  client: PoolClient,
  schema: string,
  events: EventEnvelope[],
): Promise<void> {
  if (events.length === 0) return;
  // One statement (one round trip): the NOTIFY rides on the insert.
  await client.query(
    `WITH appended AS (
       INSERT INTO outbox (id, type, payload)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])
       RETURNING 1)
     SELECT pg_notify($4, count(*)::text) FROM appended`,
    [
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e)),
      outboxChannel(schema),
    ],
  );
}
