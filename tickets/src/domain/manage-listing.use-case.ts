import { randomUUID } from 'node:crypto';
import {
  appendToOutbox,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  inTransaction,
  isPgError,
  NotFoundError,
  PgErrorCode,
  ticketsEvents,
  type CurrentUser,
  type Pool,
  type PoolClient,
} from '@ticketaka/common';
import {
  findListing,
  insertListing,
  updateActiveListing,
  type ListingRecord,
} from '../data-access/listing.repository';
import { findTicket, type TicketRecord } from '../data-access/ticket.repository';
import { listingEventData, listingUpdated, listingView } from './listing';
import { applyCertainTicketMove } from './move-ticket';
import type { CreateListingInput, UpdateListingInput } from './resale.schemas';

interface Deps {
  pool: Pool;
  schema: string;
  /** The organiser's cap: price ≤ face value × ratio. */
  priceCapRatio: number;
}

function checkPriceCap(ticket: TicketRecord, priceCents: number, ratio: number) {
  const cap = Math.floor(ticket.facePriceCents * ratio);
  if (priceCents > cap) {
    throw new BadRequestError(
      `The resale price may not exceed ${cap} cents (face value ${ticket.facePriceCents} × ${ratio})`,
      [{ message: `The resale price may not exceed ${cap} cents`, field: 'priceCents' }],
      'price_above_cap',
    );
  }
}

/** Lists a ticket for resale; the ticket row is locked so a concurrent sale or listing waits. */
export async function createListing(deps: Deps, user: CurrentUser, input: CreateListingInput) {
  try {
    return await inTransaction(deps.pool, async (client) => {
      const ticket = await findTicket(client, input.ticketId, { forUpdate: true });
      if (!ticket) throw new NotFoundError('There is no such ticket', 'ticket_not_found');
      if (ticket.ownerId !== user.id)
        throw new ForbiddenError('Only the ticket owner can resell it', 'not_ticket_owner');
      if (ticket.status === 'listed' || ticket.status === 'locked') throw alreadyListed();
      if (ticket.status !== 'valid')
        throw new ConflictError(
          `A ${ticket.status} ticket cannot be resold`,
          'ticket_not_resellable',
        );
      checkPriceCap(ticket, input.priceCents, deps.priceCapRatio);
      await applyCertainTicketMove(client, deps.schema, {
        ticketId: ticket.id,
        move: 'list',
        from: 'valid',
        version: ticket.version,
      });
      const listing = await insertListing(client, {
        id: randomUUID(),
        ticketId: ticket.id,
        sellerId: user.id,
        matchNumber: ticket.matchNumber,
        category: ticket.category,
        priceCents: input.priceCents,
        currency: ticket.currency,
      });
      await appendToOutbox(client, deps.schema, [
        ticketsEvents.listingCreated.create(listingEventData(listing)),
      ]);
      return listingView(listing);
    });
  } catch (error) {
    // The partial unique index settles a race the check above could not see.
    if (isPgError(error, PgErrorCode.uniqueViolation)) throw alreadyListed();
    throw error;
  }
}

const alreadyListed = () =>
  new ConflictError('This ticket is already listed for resale', 'already_listed');

/** The seller changes the price, only while no order has locked the listing. */
export async function updateListingPrice(
  deps: Deps,
  user: CurrentUser,
  listingId: string,
  input: UpdateListingInput,
) {
  return changeActiveListing(deps, user, listingId, input.version, async (client, listing) => {
    const ticket = await findTicket(client, listing.ticketId);
    if (!ticket) throw new Error(`listing ${listing.id} refers to a missing ticket`);
    checkPriceCap(ticket, input.priceCents, deps.priceCapRatio);
    return { priceCents: input.priceCents };
  });
}

/** The seller withdraws the listing, only while no order has locked it. */
export async function withdrawListing(deps: Deps, user: CurrentUser, listingId: string) {
  return changeActiveListing(deps, user, listingId, undefined, async () => ({
    status: 'withdrawn' as const,
  }));
}

async function changeActiveListing(
  deps: Deps,
  user: CurrentUser,
  listingId: string,
  expectedVersion: number | undefined,
  decide: (
    client: PoolClient,
    listing: ListingRecord,
  ) => Promise<{ priceCents?: number; status?: 'withdrawn' }>,
) {
  return inTransaction(deps.pool, async (client) => {
    const listing = await findListing(client, listingId);
    if (!listing) throw new NotFoundError('There is no such listing', 'listing_not_found');
    if (listing.sellerId !== user.id)
      throw new ForbiddenError('Only the seller can change this listing', 'not_listing_seller');
    checkStillActive(listing, expectedVersion);
    const change = await decide(client, listing);
    const updated = await updateActiveListing(client, listing.id, change, expectedVersion);
    if (!updated) {
      // An order locked it (or another edit landed) between the read and the update.
      const now = await findListing(client, listing.id);
      checkStillActive(now ?? listing, expectedVersion);
      throw new ConflictError(
        'The listing changed meanwhile; reload it and try again',
        'version_conflict',
      );
    }
    if (updated.status === 'withdrawn') {
      await applyCertainTicketMove(client, deps.schema, {
        ticketId: updated.ticketId,
        move: 'withdraw',
        from: 'listed',
      });
    }
    await appendToOutbox(client, deps.schema, [listingUpdated(updated)]);
    return listingView(updated);
  });
}

function checkStillActive(listing: ListingRecord, expectedVersion: number | undefined) {
  if (listing.status === 'locked') {
    throw new ConflictError(
      'A buyer is paying for this listing; it cannot change now',
      'listing_locked',
    );
  }
  if (listing.status !== 'active')
    throw new ConflictError(`The listing is ${listing.status}`, 'listing_closed');
  if (expectedVersion !== undefined && listing.version !== expectedVersion) {
    throw new ConflictError(
      `The listing is at version ${listing.version}, not ${expectedVersion}; reload it and try again`,
      'version_conflict',
    );
  }
}
