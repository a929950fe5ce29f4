import { appendToOutbox, ticketsEvents, type PoolClient } from '@ticketaka/common';
import { moveTicket, type MoveGuard, type TicketRecord } from '../data-access/ticket.repository';
import { decideMove, type TicketMove } from './ticket-status';

export interface MoveRequest extends MoveGuard {
  ticketId: string;
  move: TicketMove;
  newOwnerId?: string;
  checkIn?: { gate: string; stewardId: string; at?: Date };
}

/**
 * Applies one lifecycle move in the caller's transaction and records
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
    checkIn: request.checkIn,
  });
  if (!ticket) return undefined;
  await appendToOutbox(client, schema, [
    ticketsEvents.ticketStatusChanged.create({
      id: ticket.id,
      ownerId: ticket.ownerId,
      matchNumber: ticket.matchNumber,
      category: ticket.category,
      move: request.move,
      from: request.from,
      to,
      version: ticket.version,
      gate: request.checkIn?.gate ?? null,
      changedAt: new Date().toISOString(),
    }),
  ]);
  return ticket;
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
