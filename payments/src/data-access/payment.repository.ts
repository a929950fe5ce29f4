import type { Pool, PoolClient } from '@ticketaka/common';
import type { ProviderName } from '../domain/payment-provider';

export type PaymentStatus = 'processing' | 'failed' | 'succeeded' | 'refund_pending' | 'refunded';

/** `version` counts the payment's announced changes: each payments.payment.* event is one more. */
export interface PaymentRecord {
  id: string;
  orderId: string;
  userId: string;
  amountCents: number;
  currency: string;
  provider: ProviderName;
  status: PaymentStatus;
  attempt: number;
  attemptStartedAt: Date;
  intentGeneration: number;
  providerPaymentId: string | null;
  failureCode: string | null;
  failureReason: string | null;
  succeededAt: Date | null;
  refundCode: string | null;
  refundReason: string | null;
  providerRefundId: string | null;
  refundRequestedAt: Date | null;
  refundedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

interface PaymentRow {
  id: string;
  order_id: string;
  user_id: string;
  amount_cents: number;
  currency: string;
  provider: ProviderName;
  status: PaymentStatus;
  attempt: number;
  attempt_started_at: Date;
  intent_generation: number;
  provider_payment_id: string | null;
  failure_code: string | null;
  failure_reason: string | null;
  succeeded_at: Date | null;
  refund_code: string | null;
  refund_reason: string | null;
  provider_refund_id: string | null;
  refund_requested_at: Date | null;
  refunded_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toRecord = (row: PaymentRow): PaymentRecord => ({
  id: row.id,
  orderId: row.order_id,
  userId: row.user_id,
  amountCents: row.amount_cents,
  currency: row.currency,
  provider: row.provider,
  status: row.status,
  attempt: row.attempt,
  attemptStartedAt: row.attempt_started_at,
  intentGeneration: row.intent_generation,
  providerPaymentId: row.provider_payment_id,
  failureCode: row.failure_code,
  failureReason: row.failure_reason,
  succeededAt: row.succeeded_at,
  refundCode: row.refund_code,
  refundReason: row.refund_reason,
  providerRefundId: row.provider_refund_id,
  refundRequestedAt: row.refund_requested_at,
  refundedAt: row.refunded_at,
  version: row.version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const one = (rows: PaymentRow[]) => (rows[0] ? toRecord(rows[0]) : undefined);

export interface NewAttempt {
  id: string;
  orderId: string;
  userId: string;
  amountCents: number;
  currency: string;
  provider: ProviderName;
  leaseMs: number;
}

/**
 * Starts an attempt in one statement: the first for the order, or the next one after a
 * failed attempt or one whose process died (its lease ran out). Concurrent claims for one
 * order queue on the row, so exactly one of them starts an attempt; the others get
 * `started: false` and the payment as it stands.
 */
export async function claimAttempt(
  db: Pool | PoolClient,
  attempt: NewAttempt,
): Promise<{ started: boolean; payment: PaymentRecord }> {
  const { rows } = await db.query<PaymentRow>(
    `INSERT INTO payments (id, order_id, user_id, amount_cents, currency, provider, status)
     VALUES ($1, $2, $3, $4, $5, $6, 'processing')
     ON CONFLICT (order_id) DO UPDATE SET
       status = 'processing', attempt = payments.attempt + 1, attempt_started_at = now(),
       failure_code = NULL, failure_reason = NULL, updated_at = now()
     WHERE payments.status = 'failed'
        OR (payments.status = 'processing' AND payments.attempt_started_at < now() - make_interval(secs => $7::float8 / 1000))
     RETURNING *`,
    [
      attempt.id,
      attempt.orderId,
      attempt.userId,
      attempt.amountCents,
      attempt.currency,
      attempt.provider,
      attempt.leaseMs,
    ],
  );
  if (rows[0]) return { started: true, payment: toRecord(rows[0]) };
  const existing = await findPaymentByOrderId(db, attempt.orderId);
  if (!existing) throw new Error(`payment for order ${attempt.orderId} vanished while claiming`);
  return { started: false, payment: existing };
}

export async function findPaymentByOrderId(
  db: Pool | PoolClient,
  orderId: string,
  lock?: 'for update',
): Promise<PaymentRecord | undefined> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT * FROM payments WHERE order_id = $1 ${lock === 'for update' ? 'FOR UPDATE' : ''}`,
    [orderId],
  );
  return one(rows);
}

export async function findPaymentById(
  db: Pool | PoolClient,
  id: string,
  lock?: 'for update',
): Promise<PaymentRecord | undefined> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT * FROM payments WHERE id = $1 ${lock === 'for update' ? 'FOR UPDATE' : ''}`,
    [id],
  );
  return one(rows);
}

/** A fallback for webhooks without our metadata; an intent id belongs to one order. */
export async function findPaymentByProviderPaymentId(
  db: Pool | PoolClient,
  providerPaymentId: string,
  lock?: 'for update',
) {
  const { rows } = await db.query<PaymentRow>(
    `SELECT * FROM payments WHERE provider_payment_id = $1 ORDER BY created_at LIMIT 1 ${lock === 'for update' ? 'FOR UPDATE' : ''}`,
    [providerPaymentId],
  );
  return one(rows);
}

/** Remembers the provider's intent for the running attempt; the outcome comes later. */
export async function recordIntent(
  db: Pool | PoolClient,
  id: string,
  attempt: number,
  providerPaymentId: string,
): Promise<void> {
  await db.query(
    `UPDATE payments SET provider_payment_id = $3, updated_at = now()
     WHERE id = $1 AND attempt = $2 AND provider_payment_id IS DISTINCT FROM $3`,
    [id, attempt, providerPaymentId],
  );
}

/** Only the attempt that is still processing can fail; a later success is never undone. */
export async function markAttemptFailed(
  db: Pool | PoolClient,
  change: { id: string; attempt?: number; code: string; reason: string },
): Promise<PaymentRecord | undefined> {
  const { rows } = await db.query<PaymentRow>(
    `UPDATE payments SET status = 'failed', failure_code = $3, failure_reason = $4,
       version = version + 1, updated_at = now()
     WHERE id = $1 AND status = 'processing' AND ($2::int IS NULL OR attempt = $2)
     RETURNING *`,
    [change.id, change.attempt ?? null, change.code, change.reason],
  );
  return one(rows);
}

/** The provider confirmed the money was taken; from here the payment is never "failed" again. */
export async function markSucceeded(
  client: PoolClient,
  id: string,
  providerPaymentId: string,
): Promise<PaymentRecord | undefined> {
  const { rows } = await client.query<PaymentRow>(
    `UPDATE payments SET status = 'succeeded', provider_payment_id = $2, succeeded_at = now(),
       failure_code = NULL, failure_reason = NULL, version = version + 1, updated_at = now()
     WHERE id = $1 AND status IN ('processing', 'failed')
     RETURNING *`,
    [id, providerPaymentId],
  );
  return one(rows);
}

/**
 * The money must go back. From `succeeded` (orders refused the payment) or straight from
 * `processing`/`failed` (the provider's success arrived for an order known to be over).
 */
export async function markRefundDue(
  client: PoolClient,
  change: { id: string; code: string; reason: string; providerPaymentId?: string },
): Promise<PaymentRecord | undefined> {
  const { rows } = await client.query<PaymentRow>(
    `UPDATE payments SET status = 'refund_pending', refund_code = $2, refund_reason = $3,
       provider_payment_id = COALESCE($4, provider_payment_id),
       succeeded_at = COALESCE(succeeded_at, now()), refund_requested_at = now(),
       failure_code = NULL, failure_reason = NULL, updated_at = now()
     WHERE id = $1 AND status IN ('processing', 'failed', 'succeeded')
     RETURNING *`,
    [change.id, change.code, change.reason, change.providerPaymentId ?? null],
  );
  return one(rows);
}

export async function markRefunded(
  client: PoolClient,
  id: string,
  providerRefundId: string,
): Promise<PaymentRecord | undefined> {
  const { rows } = await client.query<PaymentRow>(
    `UPDATE payments SET status = 'refunded', provider_refund_id = $2, refunded_at = now(),
       version = version + 1, updated_at = now()
     WHERE id = $1 AND status = 'refund_pending'
     RETURNING *`,
    [id, providerRefundId],
  );
  return one(rows);
}

export async function listRefundsDue(
  db: Pool | PoolClient,
  limit: number,
): Promise<PaymentRecord[]> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT * FROM payments WHERE status = 'refund_pending' ORDER BY refund_requested_at LIMIT $1`,
    [limit],
  );
  return rows.map(toRecord);
}

/** The provider cancelled this intent: the order's next attempt must create a new one. */
export async function retireIntent(
  db: Pool | PoolClient,
  id: string,
  providerPaymentId: string,
): Promise<void> {
  await db.query(
    `UPDATE payments SET intent_generation = intent_generation + 1, provider_payment_id = NULL, updated_at = now()
     WHERE id = $1 AND (provider_payment_id = $2 OR provider_payment_id IS NULL)`,
    [id, providerPaymentId],
  );
}

/** false when the provider event was applied before: the caller then changes nothing. */
export async function recordProviderEvent(
  client: PoolClient,
  event: { id: string; provider: ProviderName; type: string },
) {
  const { rowCount } = await client.query(
    'INSERT INTO provider_events (id, provider, type) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
    [event.id, event.provider, event.type],
  );
  return rowCount === 1;
}
