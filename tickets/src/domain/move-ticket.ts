import { appendToOutbox, ticketsEvents, type Pool, type PoolClient } from '@ticketaka/common';
import {
  checkInTickets,
  moveTicket,
  type CheckInRow,
  type MoveGuard,
  type TicketRecord,
} from '../data-access/ticket.repository';
import { decideMove, type TicketMove } from './ticket-status';

export interface MoveRequest extends MoveGuard {
  ticketId: string;
  move: TicketMove;
  newOwnerId?: string;
}

/**
 * Applies one lifecycle move (check-in has its own, for many tickets: applyCheckIns) in the caller's transaction and records
 * `tickets.ticket.status-changed` with the version it produced, in the same transaction.
 * Returns undefined when the ticket is no longer where the guard expects it (a racing move
 * won); an illegal (from, move) pair is refused before any SQL runs.
 */
export async function applyTicketMove(
  client: PoolClient,
  schema: string,
  request: MoveRequest,
): Promise<TicketRecord | undefined> {
  const to = decideMove(request.from, request.move);
  const ticket = await moveTicket(client, request.ticketId, request, {
    to,
    newOwnerId: request.newOwnerId,
  });
  if (!ticket) return undefined;
  await appendToOutbox(client, schema, [statusChanged(ticket, request.move, request.from, to)]);
  return ticket;
}

const statusChanged = (
  ticket: TicketRecord,
  move: TicketMove,
  from: MoveRequest['from'],
  to: MoveRequest['from'],
) =>
  ticketsEvents.ticketStatusChanged.create({
    id: ticket.id,
    ownerId: ticket.ownerId,
    matchNumber: ticket.matchNumber,
    category: ticket.category,
    move,
    from,
    to,
    version: ticket.version,
    gate: null,
    changedAt: new Date().toISOString(),
  });

/**
 * Admits the scanned tickets whose guards still hold, each with its
 * `tickets.ticket.status-changed`, in one statement (no transaction block): the event is
 * built from the scan's signed claims, and the version the admission produced is filled in
 * from the row.
 */
export async function applyCheckIns(
  db: Pool | PoolClient,
  schema: string,
  rows: CheckInRow[],
): Promise<TicketRecord[]> {
  const to = decideMove('valid', 'check_in');
  const changedAt = new Date().toISOString();
  return checkInTickets(
    db,
    schema,
    rows,
    rows.map((row) => ({
      key: row.ticketId,
      event: ticketsEvents.ticketStatusChanged.create({
        id: row.ticketId,
        ownerId: row.ownerId,
        matchNumber: row.matchNumber,
        category: row.category,
        move: 'check_in',
        from: 'valid',
        to,
        // A placeholder the statement replaces with the version it wrote.
        version: row.ownedSinceAtMost,
        gate: row.gate,
        changedAt,
      }),
    })),
  );
}

/** For moves that the caller's own locks make certain: a miss means the data broke a rule. */
export async function applyCertainTicketMove(
  client: PoolClient,
  schema: string,
  request: MoveRequest,
): Promise<TicketRecord> {
  const ticket = await applyTicketMove(client, schema, request);
  if (!ticket)
    throw new Error(`ticket ${request.ticketId} is not ${request.from}; cannot ${request.move}`);
  return ticket;
}
