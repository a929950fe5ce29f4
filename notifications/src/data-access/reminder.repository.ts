import type { Pool, PoolClient } from '@ticketaka/common';

export interface HoldReminder {
  orderId: string;
  userId: string;
  matchNumber: number;
  expiresAt: Date;
}

export async function scheduleHoldReminder(db: PoolClient, r: HoldReminder & { remindAt: Date }) {
  await db.query(
    `INSERT INTO hold_reminders (order_id, user_id, match_number, expires_at, remind_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (order_id) DO NOTHING`,
    [r.orderId, r.userId, r.matchNumber, r.expiresAt, r.remindAt],
  );
}

/** The order ended first (paid, cancelled, expired): no warning is due any more. */
export async function cancelHoldReminder(db: PoolClient, orderId: string) {
  await db.query(
    `UPDATE hold_reminders SET status = 'cancelled' WHERE order_id = $1 AND status = 'pending'`,
    [orderId],
  );
  // A reminder for an order we hear about only now must not be created later either.
  await db.query(
    `INSERT INTO hold_reminders (order_id, user_id, match_number, expires_at, remind_at, status)
     VALUES ($1, '00000000-0000-0000-0000-000000000000', 0, now(), now(), 'cancelled')
     ON CONFLICT (order_id) DO NOTHING`,
    [orderId],
  );
}

/** Due reminders, each claimed by one replica (skip locked) and marked sent in the caller's transaction. */
export async function claimDueHoldReminders(
  db: PoolClient,
  limit: number,
): Promise<HoldReminder[]> {
  const { rows } = await db.query<{
    order_id: string;
    user_id: string;
    match_number: number;
    expires_at: Date;
  }>(
    `UPDATE hold_reminders SET status = 'sent' WHERE order_id IN (
       SELECT order_id FROM hold_reminders WHERE status = 'pending' AND remind_at <= now()
        ORDER BY remind_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING order_id, user_id, match_number, expires_at`,
    [limit],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    userId: r.user_id,
    matchNumber: r.match_number,
    expiresAt: r.expires_at,
  }));
}

export async function pendingReminder(db: Pool, orderId: string) {
  const { rows } = await db.query<{ status: string }>(
    'SELECT status FROM hold_reminders WHERE order_id = $1',
    [orderId],
  );
  return rows[0]?.status;
}
