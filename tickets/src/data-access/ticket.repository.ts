import {
  changeRowsWithEvents,
  type EventEnvelope,
  type Pool,
  type PoolClient,
} from '@ticketaka/common';
import type { TicketStatus } from '../domain/ticket-status';

export type { TicketStatus };

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
  ownerSinceVersion: number;
  checkedInAt: Date | null;
  checkedInGate: string | null;
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
  owner_since_version: number;
  checked_in_at: Date | null;
  checked_in_gate: string | null;
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
  ownerSinceVersion: row.owner_since_version,
  checkedInAt: row.checked_in_at,
  checkedInGate: row.checked_in_gate,
  createdAt: row.created_at,
});

/** One ticket per seat; a seat an order already has is not issued again. */
export async function issueTickets(
  client: PoolClient,
  tickets: Omit<
    TicketRecord,
    | 'seatIndex'
    | 'status'
    | 'version'
    | 'ownerSinceVersion'
    | 'checkedInAt'
    | 'checkedInGate'
    | 'createdAt'
  >[],
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

export interface MoveGuard {
  /** The status the ticket must still be in. */
  from: TicketStatus;
  version?: number;
  ownerId?: string;
  /** Check-in: the code was signed for the current owner (at or after the version they got it). */
  ownedSinceAtMost?: number;
}

export interface MoveEffect {
  to: TicketStatus;
  /** A transfer: the new owner, from the version this move produces. */
  newOwnerId?: string;
}

/**
 * One conditional UPDATE per move: it applies only while the ticket is still in the expected
 * status (and version / owner, when given), so of two racing moves exactly one wins and the
 * other sees no row. Every move bumps the version.
 */
export async function moveTicket(
  client: PoolClient,
  id: string,
  guard: MoveGuard,
  effect: MoveEffect,
): Promise<TicketRecord | undefined> {
  const { rows } = await client.query<TicketRow>(
    `UPDATE tickets SET status = $6, version = version + 1, updated_at = now(),
       owner_id = COALESCE($7, owner_id),
       owner_since_version = CASE WHEN $7::uuid IS NULL THEN owner_since_version ELSE version + 1 END
     WHERE id = $1 AND status = $2 AND ($3::int IS NULL OR version = $3)
       AND ($4::uuid IS NULL OR owner_id = $4) AND ($5::int IS NULL OR owner_since_version <= $5)
     RETURNING *`,
    [
      id,
      guard.from,
      guard.version ?? null,
      guard.ownerId ?? null,
      guard.ownedSinceAtMost ?? null,
      effect.to,
      effect.newOwnerId ?? null,
    ],
  );
  return rows[0] && toRecord(rows[0]);
}

export interface CheckInRow {
  ticketId: string;
  /** The holder, version, match and category the scanned code was signed for. */
  ownerId: string;
  ownedSinceAtMost: number;
  matchNumber: number;
  category: number;
  gate: string;
  stewardId: string;
  /** When an offline gate scanned it; now otherwise. */
  at?: Date;
}

/**
 * Admits several tickets in one statement, each under its own guard (still valid, the code's
 * holder, match and category, signed at or after the version they got it), and appends the
 * event of each one admitted in the same statement, its version and match taken from the
 * row. The ones that pass come back. The caller never puts one ticket twice in a batch, so
 * each row has one scan to answer to.
 */
export async function checkInTickets(
  db: Pool | PoolClient,
  schema: string,
  rows: CheckInRow[],
  events: { key: string; event: EventEnvelope }[],
): Promise<TicketRecord[]> {
  const admitted = await changeRowsWithEvents<TicketRow>(
    db,
    schema,
    {
      text: `UPDATE tickets t SET status = 'checked_in', version = t.version + 1, updated_at = now(),
         checked_in_at = COALESCE(s.at, now()), checked_in_gate = s.gate, checked_in_by = s.steward
       FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::uuid[], $6::timestamptz[],
         $7::int[], $8::int[]) AS s(id, owner, since, gate, steward, at, match, category)
       WHERE t.id = s.id AND t.status = 'valid' AND t.owner_id = s.owner
         AND t.owner_since_version <= s.since AND t.match_number = s.match
         AND t.category = s.category
       RETURNING t.*`,
      values: [
        rows.map((r) => r.ticketId),
        rows.map((r) => r.ownerId),
        rows.map((r) => r.ownedSinceAtMost),
        rows.map((r) => r.gate),
        rows.map((r) => r.stewardId),
        rows.map((r) => r.at ?? null),
        rows.map((r) => r.matchNumber),
        rows.map((r) => r.category),
      ],
    },
    { keyColumn: 'id', dataFromRow: { version: 'version' } },
    events,
  );
  return admitted.map(toRecord);
}

export async function findTicketsOfOrder(db: Pool, orderId: string): Promise<TicketRecord[]> {
  const { rows } = await db.query<TicketRow>(
    'SELECT * FROM tickets WHERE order_id = $1 ORDER BY seat_index',
    [orderId],
  );
  return rows.map(toRecord);
}
