import { z } from 'zod';
import { defineEvent } from '../define-event';
import {
  amountCents,
  availabilityState,
  category,
  currency,
  matchNumber,
  uuid,
  version,
} from './shared-schemas';

/** A match entered the catalogue or its details changed (master list); analytics projects it. */
export const matchPublished = defineEvent(
  'tickets.match.published',
  z.object({
    matchNumber,
    roundNumber: z.number().int().nonnegative(),
    kickOff: z.string().datetime({ offset: true }),
    venue: z.string(),
    homeTeam: z.string(),
    awayTeam: z.string(),
    group: z.string().nullable(),
    version,
  }),
);

/** New counts of one match category; feeds the live availability stream. */
export const inventoryChanged = defineEvent(
  'tickets.inventory.changed',
  z.object({
    matchNumber,
    category,
    capacity: z.number().int().nonnegative(),
    /** Not yet sold anywhere (wire format `available`). */
    available: z.number().int().nonnegative(),
    /** Not yet sold or held anywhere (wire format `pending`). */
    pending: z.number().int().nonnegative(),
    state: availabilityState,
    priceCents: amountCents,
    currency,
    version,
  }),
);

const holdFields = {
  orderId: uuid,
  matchNumber,
  category,
  quantity: z.number().int().positive(),
  version,
};
/** Our own holds, sales and releases; the kafka-bridge tells partners about each. */
export const holdPlaced = defineEvent('tickets.hold.placed', z.object(holdFields));
export const holdReleased = defineEvent('tickets.hold.released', z.object(holdFields));
export const holdSold = defineEvent('tickets.hold.sold', z.object(holdFields));
/** The partner log granted our hold (rpc.tickets.confirm-hold): no other platform can take those seats. */
export const holdConfirmed = defineEvent('tickets.hold.confirmed', z.object(holdFields));

export const ticketStatus = z.enum(['valid', 'listed', 'locked', 'checked_in', 'void']);
export type TicketStatus = z.infer<typeof ticketStatus>;
export const ticketIssued = defineEvent(
  'tickets.ticket.issued',
  z.object({
    id: uuid,
    ownerId: uuid,
    orderId: uuid,
    matchNumber,
    category,
    facePriceCents: amountCents,
    currency,
    status: ticketStatus,
    version,
  }),
);
export const ticketTransferred = defineEvent(
  'tickets.ticket.transferred',
  z.object({
    id: uuid,
    fromOwnerId: uuid,
    toOwnerId: uuid,
    orderId: uuid,
    status: ticketStatus,
    version,
  }),
);

/**
 * Every move of a ticket's life (tickets/src/domain/ticket-status.ts), with the version the
 * move produced: a projection applies them in version order and ignores older ones.
 */
export const ticketStatusChanged = defineEvent(
  'tickets.ticket.status-changed',
  z.object({
    id: uuid,
    ownerId: uuid,
    matchNumber,
    category,
    move: z.enum(['list', 'withdraw', 'lock', 'unlock', 'transfer', 'check_in', 'void']),
    from: ticketStatus,
    to: ticketStatus,
    version,
    /** The gate that admitted it (check_in only). */
    gate: z.string().nullable(),
    changedAt: z.string().datetime({ offset: true }),
  }),
);

const listingFields = {
  id: uuid,
  ticketId: uuid,
  sellerId: uuid,
  matchNumber,
  category,
  priceCents: amountCents,
  currency,
  status: z.enum(['active', 'locked', 'sold', 'withdrawn']),
  version,
};
export const listingCreated = defineEvent('tickets.listing.created', z.object(listingFields));
export const listingUpdated = defineEvent('tickets.listing.updated', z.object(listingFields));
/** The seller is owed `priceCents` once the buyer's order completed. */
export const listingSold = defineEvent(
  'tickets.listing.sold',
  z.object({ ...listingFields, buyerId: uuid, orderId: uuid }),
);
