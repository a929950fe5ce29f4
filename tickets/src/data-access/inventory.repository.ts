import type { Pool, PoolClient } from '@ticketaka/common';
import type { Inventory } from '../domain/inventory';

type Db = Pool | PoolClient;

interface InventoryRow {
  match_number: number;
  category: number;
  price_cents: number;
  currency: string;
  capacity: number;
  sold: number;
  held: number;
  partner_held: number;
  partner_sold: number;
  version: number;
}

const toInventory = (row: InventoryRow): Inventory => ({
  matchNumber: row.match_number,
  category: row.category,
  priceCents: row.price_cents,
  currency: row.currency,
  capacity: row.capacity,
  sold: row.sold,
  held: row.held,
  partnerHeld: row.partner_held,
  partnerSold: row.partner_sold,
  version: row.version,
});

const COLUMNS =
  'match_number, category, price_cents, currency, capacity, sold, held, partner_held, partner_sold, version';
/** What a new hold (ours or a partner's) can still take: the wire format's `pending`. */
const PENDING = '(capacity - sold - partner_sold - held - partner_held)';

async function one(db: Db, sql: string, params: unknown[]): Promise<Inventory | undefined> {
  const { rows } = await db.query<InventoryRow>(sql, params);
  return rows[0] && toInventory(rows[0]);
}

export function findInventory(
  db: Db,
  matchNumber: number,
  category: number,
): Promise<Inventory | undefined> {
  return one(db, `SELECT ${COLUMNS} FROM inventory WHERE match_number = $1 AND category = $2`, [
    matchNumber,
    category,
  ]);
}

export async function findInventoryOfMatches(db: Db, matchNumbers: number[]): Promise<Inventory[]> {
  const { rows } = await db.query<InventoryRow>(
    `SELECT ${COLUMNS} FROM inventory WHERE match_number = ANY($1::int[]) ORDER BY match_number, category`,
    [matchNumbers],
  );
  return rows.map(toInventory);
}

export async function findAllInventory(db: Db): Promise<Inventory[]> {
  const { rows } = await db.query<InventoryRow>(
    `SELECT ${COLUMNS} FROM inventory ORDER BY match_number, category`,
  );
  return rows.map(toInventory);
}

/** Creates a category unless it exists; an existing one keeps its counts (it may have sold). */
export function insertInventoryIfMissing(
  client: PoolClient,
  row: {
    matchNumber: number;
    category: number;
    priceCents: number;
    currency: string;
    capacity: number;
  },
): Promise<Inventory | undefined> {
  return one(
    client,
    `INSERT INTO inventory (match_number, category, price_cents, currency, capacity)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (match_number, category) DO NOTHING
     RETURNING ${COLUMNS}`,
    [row.matchNumber, row.category, row.priceCents, row.currency, row.capacity],
  );
}

/**
 * The hold decision itself: one conditional UPDATE, so the check and the change are a single
 * atomic step under the row lock (concurrent holds queue on the row and each re-checks the
 * condition against the committed counts). Returns nothing when not enough is left.
 */
export function holdSeats(
  client: PoolClient,
  matchNumber: number,
  category: number,
  quantity: number,
  /** Holds granted together (a group-committed batch): the version counts each decision. */
  holds = 1,
) {
  return one(
    client,
    `UPDATE inventory SET held = held + $3, version = version + $4, updated_at = now()
     WHERE match_number = $1 AND category = $2 AND ${PENDING} >= $3
     RETURNING ${COLUMNS}`,
    [matchNumber, category, quantity, holds],
  );
}

export function releaseSeats(
  client: PoolClient,
  matchNumber: number,
  category: number,
  quantity: number,
) {
  return one(
    client,
    `UPDATE inventory SET held = held - $3, version = version + 1, updated_at = now()
     WHERE match_number = $1 AND category = $2 AND held >= $3
     RETURNING ${COLUMNS}`,
    [matchNumber, category, quantity],
  );
}

export function sellHeldSeats(
  client: PoolClient,
  matchNumber: number,
  category: number,
  quantity: number,
) {
  return one(
    client,
    `UPDATE inventory SET held = held - $3, sold = sold + $3, version = version + 1, updated_at = now()
     WHERE match_number = $1 AND category = $2 AND held >= $3
     RETURNING ${COLUMNS}`,
    [matchNumber, category, quantity],
  );
}

/** Partners hold q more: only if q are still free everywhere. */
export function partnerHold(
  client: PoolClient,
  matchNumber: number,
  category: number,
  quantity: number,
) {
  return one(
    client,
    `UPDATE inventory SET partner_held = partner_held + $3, version = version + 1, updated_at = now()
     WHERE match_number = $1 AND category = $2 AND ${PENDING} >= $3
     RETURNING ${COLUMNS}`,
    [matchNumber, category, quantity],
  );
}

/** A partner hold became a sale: only if partners hold at least q. */
export function partnerSell(
  client: PoolClient,
  matchNumber: number,
  category: number,
  quantity: number,
) {
  return one(
    client,
    `UPDATE inventory SET partner_held = partner_held - $3, partner_sold = partner_sold + $3,
       version = version + 1, updated_at = now()
     WHERE match_number = $1 AND category = $2 AND partner_held >= $3
     RETURNING ${COLUMNS}`,
    [matchNumber, category, quantity],
  );
}

/** A partner hold was released: only if partners hold at least q. */
export function partnerRelease(
  client: PoolClient,
  matchNumber: number,
  category: number,
  quantity: number,
) {
  return one(
    client,
    `UPDATE inventory SET partner_held = partner_held - $3, version = version + 1, updated_at = now()
     WHERE match_number = $1 AND category = $2 AND partner_held >= $3
     RETURNING ${COLUMNS}`,
    [matchNumber, category, quantity],
  );
}

/** Reads a category under its row lock, for a batch of holds decided together. */
export function lockInventory(
  client: PoolClient,
  matchNumber: number,
  category: number,
): Promise<Inventory | undefined> {
  return one(
    client,
    `SELECT ${COLUMNS} FROM inventory WHERE match_number = $1 AND category = $2 FOR UPDATE`,
    [matchNumber, category],
  );
}
