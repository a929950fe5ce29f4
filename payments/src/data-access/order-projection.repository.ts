import type { ordersEvents, Pool, PoolClient } from '@ticketaka/common';

type OrderStatus = ordersEvents.OrderStatus;

/** Payments' copy of an order, as orders last announced it. */
export interface ProjectedOrder {
  id: string;
  userId: string;
  amountCents: number;
  currency: string;
  status: OrderStatus;
  expiresAt: Date;
  version: number;
}

interface OrderRow {
  id: string;
  user_id: string;
  amount_cents: number;
  currency: string;
  status: OrderStatus;
  expires_at: Date;
  version: number;
}

const toOrder = (row: OrderRow): ProjectedOrder => ({
  id: row.id,
  userId: row.user_id,
  amountCents: row.amount_cents,
  currency: row.currency,
  status: row.status,
  expiresAt: row.expires_at,
  version: row.version,
});

export async function findOrder(
  db: Pool | PoolClient,
  id: string,
  lock?: 'for update',
): Promise<ProjectedOrder | undefined> {
  const { rows } = await db.query<OrderRow>(
    `SELECT * FROM orders WHERE id = $1 ${lock === 'for update' ? 'FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] && toOrder(rows[0]);
}

/** false when another delivery inserted it first (the caller then re-reads and compares versions). */
export async function insertOrder(client: PoolClient, order: ProjectedOrder): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO orders (id, user_id, amount_cents, currency, status, expires_at, version)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
    [
      order.id,
      order.userId,
      order.amountCents,
      order.currency,
      order.status,
      order.expiresAt,
      order.version,
    ],
  );
  return rowCount === 1;
}

export async function replaceOrder(client: PoolClient, order: ProjectedOrder): Promise<void> {
  await client.query(
    `UPDATE orders SET user_id = $2, amount_cents = $3, currency = $4, status = $5, expires_at = $6,
       version = $7, updated_at = now()
     WHERE id = $1`,
    [
      order.id,
      order.userId,
      order.amountCents,
      order.currency,
      order.status,
      order.expiresAt,
      order.version,
    ],
  );
}
