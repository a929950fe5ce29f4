import { ticketsEvents, type HoldResponse } from '@ticketaka/common';
import type { HoldRecord } from '../data-access/hold.repository';

/** The answer to a hold request; the same for every repetition of that request. */
export function holdAnswer(hold: HoldRecord): HoldResponse {
  return {
    held: true,
    orderId: hold.orderId,
    matchNumber: hold.matchNumber,
    category: hold.category,
    quantity: hold.quantity,
    unitPriceCents: hold.unitPriceCents,
    amountCents: hold.unitPriceCents * hold.quantity,
    currency: hold.currency,
    ticketId: hold.ticketId,
    listingId: hold.listingId,
  };
}

/** Payload of tickets.hold.*: only primary holds, which move the shared counts partners see. */
export function holdEventData(hold: HoldRecord) {
  return {
    orderId: hold.orderId,
    matchNumber: hold.matchNumber,
    category: hold.category,
    quantity: hold.quantity,
    version: hold.version,
  };
}

export const holdPlaced = (hold: HoldRecord) =>
  ticketsEvents.holdPlaced.create(holdEventData(hold));
export const holdReleased = (hold: HoldRecord) =>
  ticketsEvents.holdReleased.create(holdEventData(hold));
export const holdSold = (hold: HoldRecord) => ticketsEvents.holdSold.create(holdEventData(hold));
export const holdConfirmed = (hold: HoldRecord) =>
  ticketsEvents.holdConfirmed.create(holdEventData(hold));
