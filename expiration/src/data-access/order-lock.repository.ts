import type { Pool, PoolClient } from '@ticketaka/common';

export type LockState = 'scheduled' | 'fired' | 'ended';

export interface OrderLock {
  orderId: string;
  expiresAt: Date;
  state: LockState;
}

interface OrderLockRow {
  order_id: string;
  expires_at: Date;
  state: LockState;
}

const toLock = (row: OrderLockRow): OrderLock => ({
  orderId: row.order_id,
  expiresAt: row.expires_at,
  state: row.state,
});

/** Records a lock to schedule; if the order is already known, returns what is known. */
export async function recordScheduled(
  client: PoolClient,
  orderId: string,
  expiresAt: Date,
): Promise<OrderLock> {
  await client.query(
    `INSERT INTO order_locks (order_id, expires_at, state) VALUES ($1, $2, 'scheduled')
     ON CONFLICT (order_id) DO NOTHING`,
    [orderId, expiresAt],
  );
  const { rows } = await client.query<OrderLockRow>(
    'SELECT * FROM order_locks WHERE order_id = $1 FOR UPDATE',
    [orderId],
  );
  return toLock(rows[0] as OrderLockRow);
}

/** The order was paid, cancelled or expired: its timer has nothing left to do. */
export async function recordEnded(
  client: PoolClient,
  orderId: string,
  expiresAt: Date,
): Promise<void> {
  await client.query(
    `INSERT INTO order_locks (order_id, expires_at, state) VALUES ($1, $2, 'ended')
     ON CONFLICT (order_id) DO UPDATE SET state = 'ended', updated_at = now()`,
    [orderId, expiresAt],
  );
}

export async function lockOrderLock(
  client: PoolClient,
  orderId: string,
): Promise<OrderLock | undefined> {
  const { rows } = await client.query<OrderLockRow>(
    'SELECT * FROM order_locks WHERE order_id = $1 FOR UPDATE',
    [orderId],
  );
  return rows[0] && toLock(rows[0]);
}

export async function recordFired(
  client: PoolClient,
  orderId: string,
  expiresAt: Date,
): Promise<void> {
  await client.query(
    `INSERT INTO order_locks (order_id, expires_at, state) VALUES ($1, $2, 'fired')
     ON CONFLICT (order_id) DO UPDATE SET state = 'fired', updated_at = now()`,
    [orderId, expiresAt],
  );
}

export async function scheduledLocks(db: Pool): Promise<OrderLock[]> {
  const { rows } = await db.query<OrderLockRow>(
    "SELECT * FROM order_locks WHERE state = 'scheduled' ORDER BY expires_at",
  );
  return rows.map(toLock);
}

export async function isInOutbox(client: PoolClient, eventId: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM outbox WHERE id = $1', [eventId]);
  return (rowCount ?? 0) > 0;
}
