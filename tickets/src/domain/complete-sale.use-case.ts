import { randomUUID } from 'node:crypto';
import { appendToOutbox, ticketsEvents, type PoolClient } from '@ticketaka/common';
import { closeHold, findHold, type HoldRecord } from '../data-access/hold.repository';
import { sellHeldSeats } from '../data-access/inventory.repository';
import { findListing, sellListing } from '../data-access/listing.repository';
import { issueTickets } from '../data-access/ticket.repository';
import { holdSold } from './hold';
import { inventoryChanged } from './inventory';
import { listingEventData } from './listing';
import { applyTicketMove } from './move-ticket';

export type SaleOutcome = 'sold' | 'already_sold' | 'released_before_completion';

/** A completion we cannot apply now or later: left to the bus to retry, then dead-letter. */
export class SaleNotApplicableError extends Error {
  override name = 'SaleNotApplicableError';
}

/**
 * Turns a completed order's hold into tickets, in the caller's transaction (the consumer's
 * applyOnce): a primary hold becomes `sold` and issues one ticket per seat; a resale hold
 * moves the ticket to the buyer and marks the listing sold, the seller being owed its price.
 *
 * A completion for a hold that was already released (the order was cancelled or expired
 * first, which orders promises never to complete) changes nothing: those seats may already
 * be someone else's, and taking them back could oversell. It is reported, and orders' own
 * rules refund such a payment.
 */
export async function completeSale(
  client: PoolClient,
  schema: string,
  orderId: string,
): Promise<SaleOutcome> {
  const hold = await closeHold(client, orderId, 'sold');
  if (!hold) {
    const existing = await findHold(client, orderId);
    if (!existing)
      throw new SaleNotApplicableError(
        `order ${orderId} completed but tickets never held anything for it`,
      );
    return existing.status === 'sold' ? 'already_sold' : 'released_before_completion';
  }
  if (hold.kind === 'resale') await transferResaleTicket(client, schema, hold);
  else await issuePrimaryTickets(client, schema, hold);
  return 'sold';
}

async function issuePrimaryTickets(client: PoolClient, schema: string, hold: HoldRecord) {
  const inventory = await sellHeldSeats(client, hold.matchNumber, hold.category, hold.quantity);
  if (!inventory)
    throw new Error(
      `inventory ${hold.matchNumber}/${hold.category} does not count hold ${hold.orderId}`,
    );
  const tickets = await issueTickets(
    client,
    Array.from({ length: hold.quantity }, () => ({
      id: randomUUID(),
      ownerId: hold.userId,
      orderId: hold.orderId,
      matchNumber: hold.matchNumber,
      category: hold.category,
      facePriceCents: hold.unitPriceCents,
      currency: hold.currency,
    })),
  );
  await appendToOutbox(client, schema, [
    holdSold(hold),
    inventoryChanged(inventory),
    ...tickets.map((t) =>
      ticketsEvents.ticketIssued.create({
        id: t.id,
        ownerId: t.ownerId,
        orderId: t.orderId,
        matchNumber: t.matchNumber,
        category: t.category,
        facePriceCents: t.facePriceCents,
        currency: t.currency,
        status: t.status,
        version: t.version,
      }),
    ),
  ]);
}

async function transferResaleTicket(client: PoolClient, schema: string, hold: HoldRecord) {
  const listing = await findListing(client, hold.listingId as string);
  const sold = listing && (await sellListing(client, listing.id, hold.orderId, hold.userId));
  if (!listing || !sold)
    throw new Error(`listing ${hold.listingId} is not locked by order ${hold.orderId}`);
  // The buyer's code starts at the version this produces; the seller's codes die with it.
  const ticket = await applyTicketMove(client, schema, {
    ticketId: listing.ticketId,
    move: 'transfer',
    from: 'locked',
    ownerId: listing.sellerId,
    newOwnerId: hold.userId,
  });
  if (!ticket)
    throw new Error(`ticket ${listing.ticketId} is no longer owned by seller ${listing.sellerId}`);
  await appendToOutbox(client, schema, [
    ticketsEvents.ticketTransferred.create({
      id: ticket.id,
      fromOwnerId: listing.sellerId,
      toOwnerId: hold.userId,
      orderId: hold.orderId,
      status: ticket.status,
      version: ticket.version,
    }),
    ticketsEvents.listingSold.create({
      ...listingEventData(sold),
      buyerId: hold.userId,
      orderId: hold.orderId,
    }),
  ]);
}
