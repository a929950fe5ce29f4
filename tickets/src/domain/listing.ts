import { ticketsEvents } from '@ticketaka/common';
import type { ListingView } from '@ticketaka/contracts';
import type { ListingRecord } from '../data-access/listing.repository';

export function listingEventData(listing: ListingRecord) {
  return {
    id: listing.id,
    ticketId: listing.ticketId,
    sellerId: listing.sellerId,
    matchNumber: listing.matchNumber,
    category: listing.category,
    priceCents: listing.priceCents,
    currency: listing.currency,
    status: listing.status,
    version: listing.version,
  };
}

export const listingUpdated = (listing: ListingRecord) =>
  ticketsEvents.listingUpdated.create(listingEventData(listing));

/** What fans see of a listing (the seller stays anonymous). */
export function listingView(listing: ListingRecord): ListingView {
  return {
    id: listing.id,
    ticketId: listing.ticketId,
    matchNumber: listing.matchNumber,
    category: listing.category,
    priceCents: listing.priceCents,
    currency: listing.currency,
    status: listing.status,
    version: listing.version,
    createdAt: listing.createdAt.toISOString(),
  };
}
