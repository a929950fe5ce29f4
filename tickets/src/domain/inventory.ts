import { ticketsEvents, type AvailabilityState } from '@ticketaka/common';
import type { CategoryView } from '@ticketaka/contracts';

/** One match category's counters, as stored. */
export interface Inventory {
  matchNumber: number;
  category: number;
  priceCents: number;
  currency: string;
  capacity: number;
  /** Sold here. */
  sold: number;
  /** Held here by unpaid orders. */
  held: number;
  /** Held on partner platforms (TICKET_PENDING not yet reserved or cancelled). */
  partnerHeld: number;
  /** Sold on partner platforms (TICKET_RESERVED). */
  partnerSold: number;
  version: number;
}

export interface Availability {
  /** Not yet sold anywhere (the wire format's `available`). */
  available: number;
  /** Not yet sold or held anywhere (the wire format's `pending`): what a new hold can take. */
  pending: number;
  state: AvailabilityState;
}

export function availabilityOf(inventory: Inventory): Availability {
  const available = inventory.capacity - inventory.sold - inventory.partnerSold;
  const pending = available - inventory.held - inventory.partnerHeld;
  const state: AvailabilityState =
    available <= 0 ? 'sold_out' : pending <= 0 ? 'temporarily_unavailable' : 'available';
  return { available, pending, state };
}

/** The public view of one category (the contract's shape), as the catalogue routes and the stream show it. */
export function categoryView(inventory: Inventory): CategoryView {
  return {
    category: inventory.category,
    priceCents: inventory.priceCents,
    currency: inventory.currency,
    capacity: inventory.capacity,
    ...availabilityOf(inventory),
    version: inventory.version,
  };
}
export type { CategoryView };

export function inventoryChanged(inventory: Inventory) {
  const { available, pending, state } = availabilityOf(inventory);
  return ticketsEvents.inventoryChanged.create({
    matchNumber: inventory.matchNumber,
    category: inventory.category,
    capacity: inventory.capacity,
    available,
    pending,
    state,
    priceCents: inventory.priceCents,
    currency: inventory.currency,
    version: inventory.version,
  });
}
