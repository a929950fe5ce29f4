import type { Pool } from '@ticketaka/common';
import type { OrderStatus } from '../domain/order-status';

/** Orders per status right now (the dashboard's totals). */
export async function countOrdersByStatus(db: Pool) {
  const { rows } = await db.query<{ status: OrderStatus; count: string }>(
    'SELECT status, count(*) AS count FROM orders GROUP BY status ORDER BY status',
  );
  return rows.map((r) => ({ status: r.status, count: Number(r.count) }));
}

/** Orders created per hour over the last `hours`, split by the status each has now. */
export async function countOrdersPerHour(db: Pool, hours: number) {
  const { rows } = await db.query<{ bucket: Date; status: OrderStatus; count: string }>(
    `SELECT date_trunc('hour', created_at) AS bucket, status, count(*) AS count FROM orders
     WHERE created_at >= now() - make_interval(hours => $1)
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [hours],
  );
  return rows.map((r) => ({
    bucket: r.bucket.toISOString(),
    status: r.status,
    count: Number(r.count),
  }));
}
