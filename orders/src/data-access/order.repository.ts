import {
  changeWithEvents,
  ConflictError,
  type EventEnvelope,
  type Pool,
  type PoolClient,
} from '@ticketaka/common';
import { assertTransition, countedTowardFanLimit, type OrderStatus } from '../domain/order-status';

export type OrderKind = 'primary' | 'resale';

export interface OrderRecord {
  id: string;
  userId: string;
  kind: OrderKind;
  matchNumber: number | null;
  category: number | null;
  quantity: number;
  ticketId: string | null;
  listingId: string | null;
  unitPriceCents: number;
  amountCents: number;
  currency: string;
  status: OrderStatus;
  cancelReason: string | null;
  paymentId: string | null;
  expiresAt: Date;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** An earlier hold request for this order went unanswered. */
  holdUncertain: boolean;
  /** Held, but the partner log has not confirmed the hold yet (partner sync only). */
  holdTentative: boolean;
  /** Hold requests sent to tickets and not answered back into this row yet. */
  holdRequestsInFlight: number;
}

interface OrderRow {
  id: string;
  user_id: string;
  kind: OrderKind;
  match_number: number | null;
  category: number | null;
  quantity: number;
  ticket_id: string | null;
  listing_id: string | null;
  unit_price_cents: number;
  amount_cents: number;
  currency: string;
  status: OrderStatus;
  cancel_reason: string | null;
  payment_id: string | null;
  expires_at: Date;
  version: number;
  created_at: Date;
  updated_at: Date;
  hold_uncertain: boolean;
  hold_tentative: boolean;
  hold_requests_in_flight: number;
}

const toRecord = (row: OrderRow): OrderRecord => ({
  id: row.id,
  userId: row.user_id,
  kind: row.kind,
  matchNumber: row.match_number,
  category: row.category,
  quantity: row.quantity,
  ticketId: row.ticket_id,
  listingId: row.listing_id,
  unitPriceCents: row.unit_price_cents,
  amountCents: row.amount_cents,
  currency: row.currency,
  status: row.status,
  cancelReason: row.cancel_reason,
  paymentId: row.payment_id,
  expiresAt: row.expires_at,
  version: row.version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  holdUncertain: row.hold_uncertain,
  holdTentative: row.hold_tentative,
  holdRequestsInFlight: row.hold_requests_in_flight,
});

type Db = Pool | PoolClient;

export interface NewOrder {
  id: string;
  userId: string;
  kind: OrderKind;
  matchNumber: number | null;
  category: number | null;
  quantity: number;
  ticketId: string | null;
  /** Provisional deadline; the real one starts when the hold is confirmed. */
  lockSeconds: number;
}

/**
 * Inserts a new order, counting its first hold request as in flight (the caller asks tickets
 * at once). With `fanLimit`, only if the fan's counted tickets for the match plus this order
 * stay within it; call under lockFanMatch, so the count and the insert are one decision.
 * Nothing is returned when the order would exceed the limit.
 */
export async function insertOrder(
  client: PoolClient,
  order: NewOrder,
  fanLimit?: number,
): Promise<OrderRecord | undefined> {
  const { rows } = await client.query<OrderRow>(
    `INSERT INTO orders (id, user_id, kind, match_number, category, quantity, ticket_id, expires_at,
                         hold_requests_in_flight)
     SELECT $1::uuid, $2::uuid, $3, $4::integer, $5::smallint, $6::integer, $7::uuid,
            now() + make_interval(secs => $8), 1
     WHERE $9::integer IS NULL OR $6::integer + (
       SELECT COALESCE(sum(quantity), 0) FROM orders
       WHERE user_id = $2::uuid AND match_number = $4::integer AND status = ANY($10::text[])) <= $9::integer
     RETURNING *`,
    [
      order.id,
      order.userId,
      order.kind,
      order.matchNumber,
      order.category,
      order.quantity,
      order.ticketId,
      order.lockSeconds,
      fanLimit ?? null,
      countedTowardFanLimit,
    ],
  );
  return rows[0] && toRecord(rows[0]);
}

export async function findOrder(db: Db, id: string): Promise<OrderRecord | undefined> {
  const { rows } = await db.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [id]);
  return rows[0] && toRecord(rows[0]);
}

export async function isOrderOwnedBy(db: Db, id: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM orders WHERE id = $1 AND user_id = $2', [
    id,
    userId,
  ]);
  return rowCount === 1;
}

/** Locks the order for the rest of the transaction; `now` is the database's clock. */
export async function lockOrder(
  client: PoolClient,
  id: string,
): Promise<{ order: OrderRecord; now: Date } | undefined> {
  const { rows } = await client.query<OrderRow & { db_now: Date }>(
    'SELECT *, now() AS db_now FROM orders WHERE id = $1 FOR UPDATE',
    [id],
  );
  const row = rows[0];
  return row && { order: toRecord(row), now: row.db_now };
}

export async function listOrders(
  db: Db,
  filter: { userId?: string; status?: OrderStatus; limit: number },
): Promise<OrderRecord[]> {
  const { rows } = await db.query<OrderRow>(
    `SELECT * FROM orders
     WHERE ($1::uuid IS NULL OR user_id = $1) AND ($2::text IS NULL OR status = $2)
     ORDER BY created_at DESC, id LIMIT $3`,
    [filter.userId ?? null, filter.status ?? null, filter.limit],
  );
  return rows.map(toRecord);
}

/**
 * Serialises every decision about one fan's tickets for one match until the transaction
 * ends, so two concurrent orders cannot both see room under the limit.
 */
export async function lockFanMatch(
  client: PoolClient,
  userId: string,
  matchNumber: number,
): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `orders:fan-limit:${userId}:${matchNumber}`,
  ]);
}

export async function ticketsCountedForFan(
  client: PoolClient,
  userId: string,
  matchNumber: number,
  excludeOrderId: string | null = null,
): Promise<number> {
  const { rows } = await client.query<{ total: string }>(
    `SELECT COALESCE(sum(quantity), 0) AS total FROM orders
     WHERE user_id = $1 AND match_number = $2 AND status = ANY($3::text[]) AND ($4::uuid IS NULL OR id <> $4)`,
    [userId, matchNumber, countedTowardFanLimit, excludeOrderId],
  );
  return Number(rows[0]?.total ?? 0);
}

export interface TransitionChanges {
  matchNumber?: number;
  category?: number;
  quantity?: number;
  listingId?: string | null;
  unitPriceCents?: number;
  amountCents?: number;
  currency?: string;
  cancelReason?: string;
  paymentId?: string;
  /** Starts a fresh lock of this many seconds from the database's now. */
  lockSeconds?: number;
}

/**
 * Moves an order to `to`, only if it is still in the status and version the caller read
 * (optimistic concurrency): of two racing transitions at most one can apply. The machine
 * in order-status.ts is checked first, so an illegal move never reaches the database.
 */
export async function transitionOrder(
  client: PoolClient,
  order: OrderRecord,
  to: OrderStatus,
  changes: TransitionChanges = {},
): Promise<OrderRecord> {
  assertTransition(order.status, to);
  const { rows } = await client.query<OrderRow>(
    `UPDATE orders SET
       status = $4, version = version + 1, updated_at = now(),
       match_number = COALESCE($5, match_number),
       category = COALESCE($6, category),
       quantity = COALESCE($7, quantity),
       listing_id = COALESCE($8, listing_id),
       unit_price_cents = COALESCE($9, unit_price_cents),
       amount_cents = COALESCE($10, amount_cents),
       currency = COALESCE($11, currency),
       cancel_reason = COALESCE($12, cancel_reason),
       payment_id = COALESCE($13, payment_id),
       expires_at = CASE WHEN $14::integer IS NULL THEN expires_at ELSE now() + make_interval(secs => $14::integer) END
     WHERE id = $1 AND status = $2 AND version = $3
     RETURNING *`,
    [
      order.id,
      order.status,
      order.version,
      to,
      changes.matchNumber ?? null,
      changes.category ?? null,
      changes.quantity ?? null,
      changes.listingId ?? null,
      changes.unitPriceCents ?? null,
      changes.amountCents ?? null,
      changes.currency ?? null,
      changes.cancelReason ?? null,
      changes.paymentId ?? null,
      changes.lockSeconds ?? null,
    ],
  );
  const row = rows[0];
  if (!row)
    throw new ConflictError(
      'The order was changed by another request; try again',
      'concurrent_change',
    );
  return toRecord(row);
}

/**
 * A transition and the event announcing it, in one statement (no transaction needed):
 * conditional on the status and version the caller read, like transitionOrder, and the
 * event is appended only if the change applied. The event is built from the order as it
 * will be, so a fresh lock's deadline is this process's clock (not the database's, a few
 * milliseconds apart at most on a 15-minute lock). `endsHoldRequest`: the change also
 * records that a hold request was answered. Nothing is returned when the order moved on.
 */
export async function commitTransition(
  db: Db,
  schema: string,
  order: OrderRecord,
  to: OrderStatus,
  changes: TransitionChanges,
  eventOf: (after: OrderRecord) => EventEnvelope,
  options: { endsHoldRequest?: boolean } = {},
): Promise<OrderRecord | undefined> {
  assertTransition(order.status, to);
  const after: OrderRecord = {
    ...order,
    status: to,
    version: order.version + 1,
    matchNumber: changes.matchNumber ?? order.matchNumber,
    category: changes.category ?? order.category,
    quantity: changes.quantity ?? order.quantity,
    listingId: changes.listingId ?? order.listingId,
    unitPriceCents: changes.unitPriceCents ?? order.unitPriceCents,
    amountCents: changes.amountCents ?? order.amountCents,
    currency: changes.currency ?? order.currency,
    cancelReason: changes.cancelReason ?? order.cancelReason,
    paymentId: changes.paymentId ?? order.paymentId,
    expiresAt:
      changes.lockSeconds === undefined
        ? order.expiresAt
        : new Date(Date.now() + changes.lockSeconds * 1000),
  };
  const rows = await changeWithEvents<OrderRow>(
    db,
    schema,
    {
      text: `UPDATE orders SET
         status = $4, version = $5, updated_at = now(),
         match_number = $6, category = $7, quantity = $8, listing_id = $9,
         unit_price_cents = $10, amount_cents = $11, currency = $12,
         cancel_reason = $13, payment_id = $14, expires_at = $15,
         hold_requests_in_flight = greatest(hold_requests_in_flight - $16, 0)
       WHERE id = $1 AND status = $2 AND version = $3
       RETURNING *`,
      values: [
        order.id,
        order.status,
        order.version,
        after.status,
        after.version,
        after.matchNumber,
        after.category,
        after.quantity,
        after.listingId,
        after.unitPriceCents,
        after.amountCents,
        after.currency,
        after.cancelReason,
        after.paymentId,
        after.expiresAt,
        options.endsHoldRequest ? 1 : 0,
      ],
    },
    [eventOf(after)],
  );
  return rows[0] && toRecord(rows[0]);
}

/**
 * Deletes an order tickets refused, in one statement, only if it is exactly as the caller
 * read it and this request is the only one in flight for it (no earlier request went
 * unanswered): then nothing was held or announced for it. False when anything changed.
 */
export async function deleteRefusedOrder(db: Db, order: OrderRecord): Promise<boolean> {
  const { rowCount } = await db.query(
    `DELETE FROM orders WHERE id = $1 AND status = 'created' AND version = $2
       AND NOT hold_uncertain AND hold_requests_in_flight = 1`,
    [order.id, order.version],
  );
  return rowCount === 1;
}

/**
 * Records tickets' answer for an order that stays `created` until the partner log confirms
 * its hold. Not a transition: nothing is announced, the order is simply not payable yet.
 */
export async function recordTentativeHold(
  client: PoolClient,
  order: OrderRecord,
  held: Pick<
    TransitionChanges,
    | 'matchNumber'
    | 'category'
    | 'quantity'
    | 'listingId'
    | 'unitPriceCents'
    | 'amountCents'
    | 'currency'
  >,
): Promise<OrderRecord> {
  const { rows } = await client.query<OrderRow>(
    `UPDATE orders SET hold_tentative = true, updated_at = now(),
       match_number = $3, category = $4, quantity = $5, listing_id = $6,
       unit_price_cents = $7, amount_cents = $8, currency = $9
     WHERE id = $1 AND status = 'created' AND version = $2
     RETURNING *`,
    [
      order.id,
      order.version,
      held.matchNumber,
      held.category,
      held.quantity,
      held.listingId ?? null,
      held.unitPriceCents,
      held.amountCents,
      held.currency,
    ],
  );
  const row = rows[0];
  if (!row)
    throw new ConflictError(
      'The order was changed by another request; try again',
      'concurrent_change',
    );
  return toRecord(row);
}

/** Committed before answering 503, so the order remembers that a hold may exist for it. */
/** Announces a hold request for a `created` order; nothing when the order moved on or vanished. */
export async function beginHoldRequest(db: Db, id: string): Promise<OrderRecord | undefined> {
  const { rows } = await db.query<OrderRow>(
    `UPDATE orders SET hold_requests_in_flight = hold_requests_in_flight + 1
     WHERE id = $1 AND status = 'created' RETURNING *`,
    [id],
  );
  return rows[0] && toRecord(rows[0]);
}

/** The answer (or its absence) is being recorded under the row lock. */
export async function endHoldRequest(client: PoolClient, order: OrderRecord): Promise<OrderRecord> {
  const { rows } = await client.query<OrderRow>(
    `UPDATE orders SET hold_requests_in_flight = greatest(hold_requests_in_flight - 1, 0)
     WHERE id = $1 RETURNING *`,
    [order.id],
  );
  return rows[0] ? toRecord(rows[0]) : order;
}

export async function markHoldUncertain(client: PoolClient, id: string): Promise<void> {
  await client.query('UPDATE orders SET hold_uncertain = true WHERE id = $1', [id]);
}

/** Only for an order that tickets refused: nothing was held or announced for it. */
export async function deleteUnconfirmedOrder(client: PoolClient, id: string): Promise<void> {
  await client.query("DELETE FROM orders WHERE id = $1 AND status = 'created'", [id]);
}

/**
 * Overdue unpaid orders, locked for this transaction. SKIP LOCKED lets replicas sweep side
 * by side and never waits on an order a request or consumer is deciding about right now.
 */
export async function claimOverdueOrders(
  client: PoolClient,
  limit: number,
): Promise<OrderRecord[]> {
  const { rows } = await client.query<OrderRow>(
    `SELECT * FROM orders WHERE status = 'awaiting_payment' AND expires_at <= now()
     ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows.map(toRecord);
}

/** Orders whose hold answer never got recorded (the service stopped mid-request). */
export async function claimUnconfirmedOrders(
  client: PoolClient,
  olderThanSeconds: number,
  limit: number,
): Promise<OrderRecord[]> {
  const { rows } = await client.query<OrderRow>(
    `SELECT * FROM orders WHERE status = 'created' AND created_at <= now() - make_interval(secs => $1)
     ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [olderThanSeconds, limit],
  );
  return rows.map(toRecord);
}

/** For events with derived ids: whether one was already recorded (published or not). */
export async function isInOutbox(client: PoolClient, eventId: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM outbox WHERE id = $1', [eventId]);
  return (rowCount ?? 0) > 0;
}
