import type { PoolClient } from '@ticketaka/common';

export interface IdempotencyClaim {
  userId: string;
  key: string;
  requestHash: string;
  orderId: string;
}

/**
 * Claims a fan's idempotency key for a new order. A concurrent claim of the same key waits
 * on the primary key until the first transaction ends, then finds the first one's row.
 */
export async function claimIdempotencyKey(
  client: PoolClient,
  claim: IdempotencyClaim,
  attempt = 1,
): Promise<{ claimed: true } | { claimed: false; requestHash: string; orderId: string }> {
  const inserted = await client.query(
    `INSERT INTO idempotency_keys (user_id, key, request_hash, order_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, key) DO NOTHING`,
    [claim.userId, claim.key, claim.requestHash, claim.orderId],
  );
  if (inserted.rowCount === 1) return { claimed: true };
  const { rows } = await client.query<{ request_hash: string; order_id: string }>(
    'SELECT request_hash, order_id FROM idempotency_keys WHERE user_id = $1 AND key = $2',
    [claim.userId, claim.key],
  );
  const existing = rows[0];
  // The row vanished between the two statements: its order was refused and deleted. Claim again.
  if (!existing && attempt < 3) return claimIdempotencyKey(client, claim, attempt + 1);
  if (!existing) throw new Error('idempotency key kept disappearing while being claimed');
  return { claimed: false, requestHash: existing.request_hash, orderId: existing.order_id };
}
