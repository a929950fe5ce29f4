import type { CurrentUser, Pool } from '@ticketaka/common';
import type { ListingView, MyTicketView } from '@ticketaka/contracts';
import { findActiveListings, findOpenListingsOfTickets } from '../data-access/listing.repository';
import { findMatches } from '../data-access/match.repository';
import { findTicketsOfOwner } from '../data-access/ticket.repository';
import { listingView } from './listing';

const LISTINGS_PAGE = 500;

/** What is for sale now, cheapest first within each match. */
export async function listActiveListings(
  db: Pool,
  filter: { matchNumber?: number },
): Promise<ListingView[]> {
  const listings = await findActiveListings(db, {
    matchNumber: filter.matchNumber,
    limit: LISTINGS_PAGE,
  });
  return listings.map(listingView);
}

/** The fan's tickets, with the match they are for and their open resale listing, if any. */
export async function myTickets(db: Pool, user: CurrentUser): Promise<MyTicketView[]> {
  const tickets = await findTicketsOfOwner(db, user.id);
  if (tickets.length === 0) return [];
  const listings = await findOpenListingsOfTickets(
    db,
    tickets.map((t) => t.id),
  );
  const matches = new Map((await findMatches(db, {})).map((m) => [m.matchNumber, m]));
  return tickets.map((t) => {
    const match = matches.get(t.matchNumber);
    const listing = listings.find((l) => l.ticketId === t.id);
    return {
      id: t.id,
      orderId: t.orderId,
      seatIndex: t.seatIndex,
      matchNumber: t.matchNumber,
      category: t.category,
      facePriceCents: t.facePriceCents,
      currency: t.currency,
      status: t.status,
      version: t.version,
      match: match && {
        kickOff: match.kickOff.toISOString(),
        venue: match.venue,
        homeTeam: match.homeTeam,
        awayTeam: match.awayTeam,
        group: match.group,
        roundNumber: match.roundNumber,
      },
      listing: listing
        ? {
            id: listing.id,
            status: listing.status,
            priceCents: listing.priceCents,
            version: listing.version,
          }
        : null,
    };
  });
}
