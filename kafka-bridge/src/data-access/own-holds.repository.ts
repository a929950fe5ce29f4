import type { Pool, PoolClient } from '@ticketaka/common';

type Db = Pool | PoolClient;

export type HoldFate = 'unknown' | 'granted' | 'void';

export interface OwnHold {
  orderId: string;
  matchNumber: number;
  category: number;
  quantity: number;
  fate: HoldFate;
  fateReason: string | null;
  decidedAt: string | null;
  fateNotifiedAt: Date | null;
  ticketsStatus: string | null;
}

interface OwnHoldRow {
  order_id: string;
  match_number: number;
  category: number;
  quantity: number;
  fate: HoldFate;
  fate_reason: string | null;
  decided_at: string | null;
  fate_notified_at: Date | null;
  tickets_status: string | null;
}

const toOwnHold = (r: OwnHoldRow): OwnHold => ({
  orderId: r.order_id,
  matchNumber: r.match_number,
  category: r.category,
  quantity: r.quantity,
  fate: r.fate,
  fateReason: r.fate_reason,
  decidedAt: r.decided_at,
  fateNotifiedAt: r.fate_notified_at,
  ticketsStatus: r.tickets_status,
});

export async function insertOwnHoldIfMissing(
  client: PoolClient,
  hold: { orderId: string; matchNumber: number; category: number; quantity: number },
): Promise<void> {
  await client.query(
    `INSERT INTO own_holds (order_id, match_number, category, quantity) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [hold.orderId, hold.matchNumber, hold.category, hold.quantity],
  );
}

export async function findOwnHold(db: Db, orderId: string): Promise<OwnHold | undefined> {
  const { rows } = await db.query<OwnHoldRow>('SELECT * FROM own_holds WHERE order_id = $1', [
    orderId,
  ]);
  return rows[0] && toOwnHold(rows[0]);
}

/** The first decision wins: a duplicate of our PENDING further down the log changes nothing. */
export async function decideFate(
  client: PoolClient,
  orderId: string,
  fate: 'granted' | 'void',
  reason: string | null,
  decidedAt: string,
): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE own_holds SET fate = $2, fate_reason = $3, decided_at = $4 WHERE order_id = $1 AND fate = 'unknown'`,
    [orderId, fate, reason, decidedAt],
  );
  return (rowCount ?? 0) > 0;
}

export async function holdsToNotify(db: Db, limit = 100): Promise<OwnHold[]> {
  const { rows } = await db.query<OwnHoldRow>(
    `SELECT * FROM own_holds WHERE fate <> 'unknown' AND fate_notified_at IS NULL ORDER BY created_at LIMIT $1`,
    [limit],
  );
  return rows.map(toOwnHold);
}

export async function markNotified(db: Db, orderId: string, ticketsStatus: string): Promise<void> {
  await db.query(
    'UPDATE own_holds SET fate_notified_at = now(), tickets_status = $2 WHERE order_id = $1',
    [orderId, ticketsStatus],
  );
}

export async function countNotifyAttempt(db: Db, orderId: string): Promise<void> {
  await db.query('UPDATE own_holds SET notify_attempts = notify_attempts + 1 WHERE order_id = $1', [
    orderId,
  ]);
}

export async function fateCounts(db: Db): Promise<Record<string, number>> {
  const { rows } = await db.query<{ fate: string; n: string }>(
    'SELECT fate, count(*) AS n FROM own_holds GROUP BY fate',
  );
  return Object.fromEntries(rows.map((r) => [r.fate, Number(r.n)]));
}
