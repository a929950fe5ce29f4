import type { Pool, PoolClient } from '@ticketaka/common';

export type TicketStatus = 'valid' | 'listed' | 'locked' | 'checked_in' | 'void';

export interface TicketRecord {
  id: string;
  ownerId: string;
  orderId: string;
  /** The seat's position within its order (1…quantity). */
  seatIndex: number;
  matchNumber: number;
  category: number;
  facePriceCents: number;
  currency: string;
  status: TicketStatus;
  version: number;
  createdAt: Date;
}

interface TicketRow {
  id: string;
  owner_id: string;
  order_id: string;
  seat_index: number;
  match_number: number;
  category: number;
  face_price_cents: number;
  currency: string;
  status: TicketStatus;
  version: number;
  created_at: Date;
}

const toRecord = (row: TicketRow): TicketRecord => ({
  id: row.id,
  ownerId: row.owner_id,
  orderId: row.order_id,
  seatIndex: row.seat_index,
  matchNumber: row.match_number,
  category: row.category,
  facePriceCents: row.face_price_cents,
  currency: row.currency,
  status: row.status,
  version: row.version,
  createdAt: row.created_at,
});

/** One ticket per seat; a seat an order already has is not issued again. */
export async function issueTickets(
  client: PoolClient,
  tickets: Omit<TicketRecord, 'seatIndex' | 'status' | 'version' | 'createdAt'>[],
): Promise<TicketRecord[]> {
  const { rows } = await client.query<TicketRow>(
    `INSERT INTO tickets (id, owner_id, order_id, seat_index, match_number, category, face_price_cents, currency)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::int[], $6::smallint[], $7::int[], $8::char(3)[])
     ON CONFLICT (order_id, seat_index) DO NOTHING
     RETURNING *`,
    [
      tickets.map((t) => t.id),
      tickets.map((t) => t.ownerId),
      tickets.map((t) => t.orderId),
      tickets.map((_, i) => i + 1),
      tickets.map((t) => t.matchNumber),
      tickets.map((t) => t.category),
      tickets.map((t) => t.facePriceCents),
      tickets.map((t) => t.currency),
    ],
  );
  return rows.map(toRecord);
}

export async function findTicket(
  db: Pool | PoolClient,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<TicketRecord | undefined> {
  const { rows } = await db.query<TicketRow>(
    `SELECT * FROM tickets WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] && toRecord(rows[0]);
}

export async function findTicketsOfOwner(db: Pool, ownerId: string): Promise<TicketRecord[]> {
  const { rows } = await db.query<TicketRow>(
    'SELECT * FROM tickets WHERE owner_id = $1 ORDER BY match_number, category, created_at, id',
    [ownerId],
  );
  return rows.map(toRecord);
}

/** Moves a ticket to a new owner, only from the owner we expect (optimistic guard). */
export async function transferTicket(
  client: PoolClient,
  id: string,
  fromOwnerId: string,
  toOwnerId: string,
): Promise<TicketRecord | undefined> {
  const { rows } = await client.query<TicketRow>(
    `UPDATE tickets SET owner_id = $3, version = version + 1, updated_at = now()
     WHERE id = $1 AND owner_id = $2 RETURNING *`,
    [id, fromOwnerId, toOwnerId],
  );
  return rows[0] && toRecord(rows[0]);
}
