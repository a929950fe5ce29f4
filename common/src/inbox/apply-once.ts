import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../db/pool';

/**
 * Applies an event's effect at most once per consumer: the event id is recorded in
 * processed_events in the same transaction as the effect, so a redelivered or duplicated
 * event finds its id and changes nothing. A concurrent duplicate waits on the primary key
 * until the first commits, then sees the conflict.
 */
export async function applyOnce(
  pool: Pool,
  consumer: string,
  eventId: string,
  effect: (client: PoolClient) => Promise<void>,
): Promise<'applied' | 'duplicate'> {
  return inTransaction(pool, async (client) => {
    const { rowCount } = await client.query(
      'INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [consumer, eventId],
    );
    if (rowCount === 0) return 'duplicate';
    await effect(client);
    return 'applied';
  });
}
