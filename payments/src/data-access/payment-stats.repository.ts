import type { Pool } from '@ticketaka/common';
import type { PaymentStatus } from './payment.repository';

/** Payments per status with their amounts (refunded money counts under `refunded`). */
export async function countPaymentsByStatus(db: Pool) {
  const { rows } = await db.query<{ status: PaymentStatus; count: string; amount: string }>(
    `SELECT status, count(*) AS count, COALESCE(sum(amount_cents), 0) AS amount
     FROM payments GROUP BY status ORDER BY status`,
  );
  return rows.map((r) => ({
    status: r.status,
    count: Number(r.count),
    amountCents: Number(r.amount),
  }));
}

/** Successes, failed attempts (rows failed now) and refunds per hour over the last `hours`. */
export async function countPaymentsPerHour(db: Pool, hours: number) {
  const { rows } = await db.query<{
    bucket: Date;
    kind: 'succeeded' | 'failed' | 'refunded';
    count: string;
  }>(
    `SELECT date_trunc('hour', at) AS bucket, kind, count(*) AS count FROM (
       SELECT succeeded_at AS at, 'succeeded' AS kind FROM payments WHERE succeeded_at IS NOT NULL
       UNION ALL
       SELECT updated_at, 'failed' FROM payments WHERE status = 'failed'
       UNION ALL
       SELECT refunded_at, 'refunded' FROM payments WHERE refunded_at IS NOT NULL
     ) happened
     WHERE at >= now() - make_interval(hours => $1)
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [hours],
  );
  return rows.map((r) => ({
    bucket: r.bucket.toISOString(),
    kind: r.kind,
    count: Number(r.count),
  }));
}
