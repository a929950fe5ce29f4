import type { Pool, PoolClient } from '@ticketaka/common';

export type ListingStatus = 'active' | 'locked' | 'sold' | 'withdrawn';

export interface ListingRecord {
  id: string;
  ticketId: string;
  sellerId: string;
  matchNumber: number;
  category: number;
  priceCents: number;
  currency: string;
  status: ListingStatus;
  orderId: string | null;
  buyerId: string | null;
  version: number;
  createdAt: Date;
}

interface ListingRow {
  id: string;
  ticket_id: string;
  seller_id: string;
  match_number: number;
  category: number;
  price_cents: number;
  currency: string;
  status: ListingStatus;
  order_id: string | null;
  buyer_id: string | null;
  version: number;
  created_at: Date;
}

const toRecord = (row: ListingRow): ListingRecord => ({
  id: row.id,
  ticketId: row.ticket_id,
  sellerId: row.seller_id,
  matchNumber: row.match_number,
  category: row.category,
  priceCents: row.price_cents,
  currency: row.currency,
  status: row.status,
  orderId: row.order_id,
  buyerId: row.buyer_id,
  version: row.version,
  createdAt: row.created_at,
});

const first = (rows: ListingRow[]) => rows[0] && toRecord(rows[0]);
type Db = Pool | PoolClient;

export async function insertListing(
  client: PoolClient,
  listing: Pick<
    ListingRecord,
    'id' | 'ticketId' | 'sellerId' | 'matchNumber' | 'category' | 'priceCents' | 'currency'
  >,
): Promise<ListingRecord> {
  const { rows } = await client.query<ListingRow>(
    `INSERT INTO listings (id, ticket_id, seller_id, match_number, category, price_cents, currency, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'active') RETURNING *`,
    [
      listing.id,
      listing.ticketId,
      listing.sellerId,
      listing.matchNumber,
      listing.category,
      listing.priceCents,
      listing.currency,
    ],
  );
  return toRecord(rows[0] as ListingRow);
}

export async function findListing(db: Db, id: string): Promise<ListingRecord | undefined> {
  const { rows } = await db.query<ListingRow>('SELECT * FROM listings WHERE id = $1', [id]);
  return first(rows);
}

/** The ticket's listing that is still open (active or locked), if any. */
export async function findOpenListingOfTicket(
  db: Db,
  ticketId: string,
): Promise<ListingRecord | undefined> {
  const { rows } = await db.query<ListingRow>(
    `SELECT * FROM listings WHERE ticket_id = $1 AND status IN ('active', 'locked')`,
    [ticketId],
  );
  return first(rows);
}

export async function findOpenListingsOfTickets(
  db: Db,
  ticketIds: string[],
): Promise<ListingRecord[]> {
  const { rows } = await db.query<ListingRow>(
    `SELECT * FROM listings WHERE ticket_id = ANY($1::uuid[]) AND status IN ('active', 'locked')`,
    [ticketIds],
  );
  return rows.map(toRecord);
}

export async function findActiveListings(
  db: Db,
  filter: { matchNumber?: number; limit: number },
): Promise<ListingRecord[]> {
  const { rows } = await db.query<ListingRow>(
    `SELECT * FROM listings WHERE status = 'active' AND ($1::int IS NULL OR match_number = $1)
     ORDER BY match_number, price_cents, created_at LIMIT $2`,
    [filter.matchNumber ?? null, filter.limit],
  );
  return rows.map(toRecord);
}

/**
 * Changes a listing only while it is active and, when given, still at the version the
 * seller saw: a listing that an order locked meanwhile is left alone.
 */
export async function updateActiveListing(
  client: PoolClient,
  id: string,
  change: { priceCents?: number; status?: 'withdrawn' },
  expectedVersion?: number,
): Promise<ListingRecord | undefined> {
  const { rows } = await client.query<ListingRow>(
    `UPDATE listings SET price_cents = COALESCE($2, price_cents), status = COALESCE($3, status),
       version = version + 1, updated_at = now()
     WHERE id = $1 AND status = 'active' AND ($4::int IS NULL OR version = $4) RETURNING *`,
    [id, change.priceCents ?? null, change.status ?? null, expectedVersion ?? null],
  );
  return first(rows);
}

/** active → locked by an order, atomically: two buyers cannot both lock it. */
export async function lockListing(
  client: PoolClient,
  id: string,
  orderId: string,
): Promise<ListingRecord | undefined> {
  const { rows } = await client.query<ListingRow>(
    `UPDATE listings SET status = 'locked', order_id = $2, version = version + 1, updated_at = now()
     WHERE id = $1 AND status = 'active' RETURNING *`,
    [id, orderId],
  );
  return first(rows);
}

/** locked by this order → active again (the order was cancelled or expired). */
export async function unlockListing(
  client: PoolClient,
  id: string,
  orderId: string,
): Promise<ListingRecord | undefined> {
  const { rows } = await client.query<ListingRow>(
    `UPDATE listings SET status = 'active', order_id = NULL, version = version + 1, updated_at = now()
     WHERE id = $1 AND status = 'locked' AND order_id = $2 RETURNING *`,
    [id, orderId],
  );
  return first(rows);
}

/** locked by this order → sold to its buyer. */
export async function sellListing(
  client: PoolClient,
  id: string,
  orderId: string,
  buyerId: string,
): Promise<ListingRecord | undefined> {
  const { rows } = await client.query<ListingRow>(
    `UPDATE listings SET status = 'sold', buyer_id = $3, version = version + 1, updated_at = now()
     WHERE id = $1 AND status = 'locked' AND order_id = $2 RETURNING *`,
    [id, orderId, buyerId],
  );
  return first(rows);
}

/** The ticket's most recent listing, whatever its status. */
export async function findLatestListingOfTicket(
  db: Db,
  ticketId: string,
): Promise<ListingRecord | undefined> {
  const { rows } = await db.query<ListingRow>(
    'SELECT * FROM listings WHERE ticket_id = $1 ORDER BY created_at DESC, version DESC LIMIT 1',
    [ticketId],
  );
  return first(rows);
}
