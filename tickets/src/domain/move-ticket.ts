import { appendToOutbox, ticketsEvents, type PoolClient } from '@ticketaka/common';
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
  await appendToOutbox(client, schema, [
    statusChanged(ticket, request.move, request.from, to, null),
  ]);
  return ticket;
}

const statusChanged = (
  ticket: TicketRecord,
  move: TicketMove,
  from: MoveRequest['from'],
  to: MoveRequest['from'],
  gate: string | null,
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
    gate,
    changedAt: new Date().toISOString(),
  });

/**
 * The check-in move for several tickets in the caller's transaction: one guarded UPDATE and
 * one outbox append for all of them (a gate bank at kick-off sends hundreds a second).
 * Returns the admitted tickets; the others no longer passed their guard.
 */
export async function applyCheckIns(
  client: PoolClient,
  schema: string,
  rows: CheckInRow[],
): Promise<TicketRecord[]> {
  const to = decideMove('valid', 'check_in');
  const admitted = await checkInTickets(client, rows);
  await appendToOutbox(
    client,
    schema,
    admitted.map((t) => statusChanged(t, 'check_in', 'valid', to, t.checkedInGate)),
  );
  return admitted;
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
