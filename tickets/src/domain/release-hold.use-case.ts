import { appendToOutbox, type PoolClient } from '@ticketaka/common';
import {
  closeHold,
  findHold,
  lockOrderHold,
  recordEndedOrder,
} from '../data-access/hold.repository';
import { releaseSeats } from '../data-access/inventory.repository';
import { unlockListing } from '../data-access/listing.repository';
import { holdReleased } from './hold';
import { inventoryChanged } from './inventory';
import { listingUpdated } from './listing';
import { applyCertainTicketMove } from './move-ticket';

export type ReleaseOutcome = 'released' | 'no_hold' | 'already_released' | 'already_sold';

/**
 * Gives an order's hold back (order cancelled or expired). Runs in the caller's transaction
 * (the consumer's applyOnce). The hold leaves `held` at most once, so a duplicate or late
 * message finds nothing to do; a sold hold is never released. An order that ends before its
 * hold request arrived is remembered, and that late request is refused (place-hold).
 */
export async function releaseHold(
  client: PoolClient,
  schema: string,
  orderId: string,
): Promise<ReleaseOutcome> {
  await lockOrderHold(client, orderId);
  const hold = await closeHold(client, orderId, 'released');
  if (!hold) {
    const existing = await findHold(client, orderId);
    if (!existing) {
      await recordEndedOrder(client, orderId);
      return 'no_hold';
    }
    return existing.status === 'sold' ? 'already_sold' : 'already_released';
  }
  if (hold.kind === 'resale') {
    const listing = await unlockListing(client, hold.listingId as string, orderId);
    if (listing) {
      await applyCertainTicketMove(client, schema, {
        ticketId: listing.ticketId,
        move: 'unlock',
        from: 'locked',
      });
      await appendToOutbox(client, schema, [listingUpdated(listing)]);
    }
    return 'released';
  }
  const inventory = await releaseSeats(client, hold.matchNumber, hold.category, hold.quantity);
  // The hold row and the counter move together, so a held hold is always counted in `held`.
  if (!inventory)
    throw new Error(
      `inventory ${hold.matchNumber}/${hold.category} does not count hold ${orderId}`,
    );
  await appendToOutbox(client, schema, [holdReleased(hold), inventoryChanged(inventory)]);
  return 'released';
}
