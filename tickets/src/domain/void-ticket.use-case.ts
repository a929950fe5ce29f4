import {
  appendToOutbox,
  ConflictError,
  inTransaction,
  NotFoundError,
  type Pool,
} from '@ticketaka/common';
import { findOpenListingOfTicket, updateActiveListing } from '../data-access/listing.repository';
import { findTicket } from '../data-access/ticket.repository';
import { listingUpdated } from './listing';
import { applyCertainTicketMove } from './move-ticket';
import { canMove } from './ticket-status';

/**
 * An operator voids a ticket (refunded outside the platform, match cancelled): its codes stop
 * opening the gate. A listed ticket's listing is withdrawn in the same transaction; a ticket
 * a buyer is paying for right now is refused until that checkout ends.
 */
export async function voidTicket(deps: { pool: Pool; schema: string }, ticketId: string) {
  return inTransaction(deps.pool, async (client) => {
    const ticket = await findTicket(client, ticketId, { forUpdate: true });
    if (!ticket) throw new NotFoundError('There is no such ticket', 'ticket_not_found');
    if (ticket.status === 'void')
      return { ticketId, status: 'void' as const, version: ticket.version };
    if (ticket.status === 'locked')
      throw new ConflictError(
        'A buyer is paying for this ticket; void it once the checkout ends',
        'listing_locked',
      );
    if (!canMove(ticket.status, 'void')) throw new Error(`cannot void a ${ticket.status} ticket`);
    if (ticket.status === 'listed') {
      const listing = await findOpenListingOfTicket(client, ticket.id);
      const withdrawn =
        listing && (await updateActiveListing(client, listing.id, { status: 'withdrawn' }));
      if (!withdrawn) throw new Error(`listed ticket ${ticket.id} has no active listing`);
      await appendToOutbox(client, deps.schema, [listingUpdated(withdrawn)]);
    }
    const voided = await applyCertainTicketMove(client, deps.schema, {
      ticketId: ticket.id,
      move: 'void',
      from: ticket.status,
      version: ticket.version,
    });
    return { ticketId, status: voided.status, version: voided.version };
  });
}
