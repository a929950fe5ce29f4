import type { Pool, PoolClient } from '@ticketaka/common';

/** `confirmed`: still held, and the partner log granted it. */
export type HoldStatus = 'held' | 'confirmed' | 'released' | 'sold';

export interface HoldRecord {
  orderId: string;
  userId: string;
  kind: 'primary' | 'resale';
  matchNumber: number;
  category: number;
  quantity: number;
  unitPriceCents: number;
  currency: string;
  ticketId: string | null;
  listingId: string | null;
  status: HoldStatus;
  version: number;
}

interface HoldRow {
  order_id: string;
  user_id: string;
  kind: 'primary' | 'resale';
  match_number: number;
  category: number;
  quantity: number;
  unit_price_cents: number;
  currency: string;
  ticket_id: string | null;
  listing_id: string | null;
  status: HoldStatus;
  version: number;
}

const toRecord = (row: HoldRow): HoldRecord => ({
  orderId: row.order_id,
  userId: row.user_id,
  kind: row.kind,
  matchNumber: row.match_number,
  category: row.category,
  quantity: row.quantity,
  unitPriceCents: row.unit_price_cents,
  currency: row.currency,
  ticketId: row.ticket_id,
  listingId: row.listing_id,
  status: row.status,
  version: row.version,
});

const first = (rows: HoldRow[]) => rows[0] && toRecord(rows[0]);

/**
 * Records a primary hold at the category's current price. Nothing is returned when the order
 * already has a hold (a repeated request) or when the category does not exist.
 */
export async function insertPrimaryHold(
  client: PoolClient,
  hold: {
    orderId: string;
    userId: string;
    matchNumber: number;
    category: number;
    quantity: number;
  },
): Promise<HoldRecord | undefined> {
  const { rows } = await client.query<HoldRow>(
    `INSERT INTO holds (order_id, user_id, kind, match_number, category, quantity, unit_price_cents, currency)
     SELECT $1, $2, 'primary', i.match_number, i.category, $5, i.price_cents, i.currency
     FROM inventory i WHERE i.match_number = $3 AND i.category = $4
     ON CONFLICT (order_id) DO NOTHING
     RETURNING *`,
    [hold.orderId, hold.userId, hold.matchNumber, hold.category, hold.quantity],
  );
  return first(rows);
}

/**
 * Records a resale hold at the active listing's price. Nothing is returned when the order
 * already has a hold, or when the ticket has no active listing that someone else sells.
 */
export async function insertResaleHold(
  client: PoolClient,
  hold: { orderId: string; userId: string; ticketId: string },
): Promise<HoldRecord | undefined> {
  const { rows } = await client.query<HoldRow>(
    `INSERT INTO holds (order_id, user_id, kind, match_number, category, quantity, unit_price_cents, currency, ticket_id, listing_id)
     SELECT $1, $2, 'resale', l.match_number, l.category, 1, l.price_cents, l.currency, l.ticket_id, l.id
     FROM listings l WHERE l.ticket_id = $3 AND l.status = 'active' AND l.seller_id <> $2
     ON CONFLICT (order_id) DO NOTHING
     RETURNING *`,
    [hold.orderId, hold.userId, hold.ticketId],
  );
  return first(rows);
}

export async function findHold(
  db: Pool | PoolClient,
  orderId: string,
): Promise<HoldRecord | undefined> {
  const { rows } = await db.query<HoldRow>('SELECT * FROM holds WHERE order_id = $1', [orderId]);
  return first(rows);
}

/** held|confirmed → released|sold, once: a hold that already ended is not touched again. */
export async function closeHold(
  client: PoolClient,
  orderId: string,
  to: 'released' | 'sold',
): Promise<HoldRecord | undefined> {
  const { rows } = await client.query<HoldRow>(
    `UPDATE holds SET status = $2, version = version + 1, updated_at = now()
     WHERE order_id = $1 AND status IN ('held', 'confirmed') RETURNING *`,
    [orderId, to],
  );
  return first(rows);
}

/** held → confirmed, once. */
export async function grantHold(
  client: PoolClient,
  orderId: string,
): Promise<HoldRecord | undefined> {
  const { rows } = await client.query<HoldRow>(
    `UPDATE holds SET status = 'confirmed', version = version + 1, updated_at = now()
     WHERE order_id = $1 AND status = 'held' RETURNING *`,
    [orderId],
  );
  return first(rows);
}

/** Keeps the partner log's first decision about a hold, for the audit trail. */
export async function recordPartnerDecision(
  client: PoolClient,
  orderId: string,
  decision: { outcome: 'granted' | 'void'; decidedAt: string; reason?: string },
): Promise<void> {
  await client.query(
    `UPDATE holds SET partner_decision = $2, partner_decided_at = $3, partner_decision_reason = $4
     WHERE order_id = $1 AND partner_decision IS NULL`,
    [orderId, decision.outcome, decision.decidedAt, decision.reason ?? null],
  );
}

/**
 * Serialises everything tickets does for one order's hold (placing it, releasing it), so a
 * release that finds no hold and a hold request racing it cannot both pass.
 */
export async function lockOrderHold(client: PoolClient, orderId: string): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtext('hold:' || $1))", [orderId]);
}

/** The order ended before anything was held for it: a later hold request is refused. */
export async function recordEndedOrder(client: PoolClient, orderId: string): Promise<void> {
  await client.query('INSERT INTO ended_orders (order_id) VALUES ($1) ON CONFLICT DO NOTHING', [
    orderId,
  ]);
}

export async function isEndedOrder(client: PoolClient, orderId: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM ended_orders WHERE order_id = $1', [
    orderId,
  ]);
  return (rowCount ?? 0) > 0;
}

/**
 * lockOrderHold for every order of a group-committed batch, in one round trip. Sorted, so two
 * batches that share an order id (a retry racing itself) take the locks in the same order.
 */
export async function lockOrderHolds(client: PoolClient, orderIds: string[]): Promise<void> {
  await client.query(
    `SELECT pg_advisory_xact_lock(hashtext('hold:' || id))
     FROM unnest($1::text[]) AS id ORDER BY id`,
    [[...orderIds].sort()],
  );
}

/**
 * What the batch's orders already have: an ended-order record or a hold. A statement of its
 * own after lockOrderHolds, so its snapshot sees everything committed before the locks.
 */
export async function findHoldsAndEndedOrders(
  client: PoolClient,
  orderIds: string[],
): Promise<{ holds: Map<string, HoldRecord>; ended: Set<string> }> {
  const { rows } = await client.query<{ holds: HoldRow[]; ended: string[] }>(
    `SELECT (SELECT coalesce(json_agg(h), '[]') FROM holds h WHERE h.order_id = ANY($1::uuid[])) AS holds,
            (SELECT coalesce(array_agg(e.order_id::text), '{}') FROM ended_orders e
             WHERE e.order_id = ANY($1::uuid[])) AS ended`,
    [orderIds],
  );
  const row = rows[0] ?? { holds: [], ended: [] };
  const holds = new Map(row.holds.map((h) => [h.order_id, toRecord(h)] as const));
  const ended = new Set(row.ended);
  return { holds, ended };
}

/** Inserts a batch's granted primary holds at the price the caller read under the row lock. */
export async function insertPrimaryHolds(
  client: PoolClient,
  holds: {
    orderId: string;
    userId: string;
    matchNumber: number;
    category: number;
    quantity: number;
    unitPriceCents: number;
    currency: string;
  }[],
): Promise<HoldRecord[]> {
  if (holds.length === 0) return [];
  const { rows } = await client.query<HoldRow>(
    `INSERT INTO holds (order_id, user_id, kind, match_number, category, quantity, unit_price_cents, currency)
     SELECT o, u, 'primary', $3, $4, q, $6, $7
     FROM unnest($1::uuid[], $2::uuid[], $5::int[]) AS t(o, u, q)
     RETURNING *`,
    [
      holds.map((h) => h.orderId),
      holds.map((h) => h.userId),
      holds[0]?.matchNumber,
      holds[0]?.category,
      holds.map((h) => h.quantity),
      holds[0]?.unitPriceCents,
      holds[0]?.currency,
    ],
  );
  return rows.map(toRecord);
}
