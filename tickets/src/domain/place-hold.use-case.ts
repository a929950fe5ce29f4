import {
  appendToOutbox,
  ConflictError,
  ForbiddenError,
  inTransaction,
  NotFoundError,
  type HoldRequest,
  type HoldResponse,
  type Pool,
  type PoolClient,
} from '@ticketaka/common';
import {
  findHold,
  insertPrimaryHold,
  insertResaleHold,
  isEndedOrder,
  lockOrderHold,
  type HoldRecord,
} from '../data-access/hold.repository';
import { findInventory, holdSeats, peekPending } from '../data-access/inventory.repository';
import { findLatestListingOfTicket, lockListing } from '../data-access/listing.repository';
import { findTicket } from '../data-access/ticket.repository';
import { holdAnswer, holdPlaced } from './hold';
import { availabilityOf, inventoryChanged } from './inventory';
import { listingUpdated } from './listing';
import { applyCertainTicketMove } from './move-ticket';

type PrimaryHoldRequest = Extract<HoldRequest, { kind: 'primary' }>;
type ResaleHoldRequest = Extract<HoldRequest, { kind: 'resale' }>;

/** Thrown inside the transaction to roll the hold row back; answered as a refusal. */
class Refused extends Error {
  constructor(readonly reason: 'not_enough_tickets' | 'listing_unavailable') {
    super(reason);
  }
}

/**
 * Holds tickets for an order, or refuses at once. The order id is the idempotency key: the
 * hold row is inserted first (a concurrent duplicate waits on the primary key and then finds
 * it), and the decision is one conditional UPDATE in the same transaction, together with the
 * outbox events. A refusal rolls everything back, so it can be asked again later.
 */
export async function placeHold(
  deps: { pool: Pool; schema: string },
  request: HoldRequest,
): Promise<HoldResponse> {
  if (request.kind === 'primary') {
    // A sold-out burst is mostly refusals: answer them from the committed counts, without
    // queueing on the category's row lock. This can only refuse; a hold is only ever granted
    // by the conditional UPDATE. Refusing on a read just before seats come back is the same
    // answer the UPDATE would have given a moment earlier.
    const peek = await peekPending(
      deps.pool,
      request.matchNumber,
      request.category,
      request.orderId,
    );
    if (peek && !peek.orderHasHold && peek.pending < request.quantity) {
      return { held: false, reason: 'not_enough_tickets', available: Math.max(0, peek.pending) };
    }
  }
  try {
    return await inTransaction(deps.pool, async (client) => {
      await lockOrderHold(client, request.orderId);
      // Orders asks outside any transaction, so the order's end can overtake its request.
      if (await isEndedOrder(client, request.orderId))
        throw new ConflictError('This order has already ended', 'order_ended');
      return request.kind === 'primary'
        ? holdPrimary(client, deps.schema, request)
        : holdResale(client, deps.schema, request);
    });
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    if (error.reason === 'listing_unavailable' || request.kind === 'resale') {
      return { held: false, reason: 'listing_unavailable', available: 0 };
    }
    const inventory = await findInventory(deps.pool, request.matchNumber, request.category);
    return {
      held: false,
      reason: 'not_enough_tickets',
      available: inventory ? Math.max(0, availabilityOf(inventory).pending) : 0,
    };
  }
}

async function holdPrimary(
  client: PoolClient,
  schema: string,
  request: PrimaryHoldRequest,
): Promise<HoldResponse> {
  const hold = await insertPrimaryHold(client, request);
  if (!hold) return answerRepeatedRequest(client, request);
  const inventory = await holdSeats(
    client,
    request.matchNumber,
    request.category,
    request.quantity,
  );
  if (!inventory) throw new Refused('not_enough_tickets');
  await appendToOutbox(client, schema, [holdPlaced(hold), inventoryChanged(inventory)]);
  return holdAnswer(hold);
}

async function holdResale(
  client: PoolClient,
  schema: string,
  request: ResaleHoldRequest,
): Promise<HoldResponse> {
  const hold = await insertResaleHold(client, request);
  if (!hold) return answerRepeatedRequest(client, request);
  // The listing may have been locked by another order since the row above was written.
  const listing = await lockListing(client, hold.listingId as string, request.orderId);
  if (!listing) throw new Refused('listing_unavailable');
  await applyCertainTicketMove(client, schema, {
    ticketId: listing.ticketId,
    move: 'lock',
    from: 'listed',
  });
  // Resale moves no shared counts, so partners hear nothing; the listing's event says it is locked.
  await appendToOutbox(client, schema, [listingUpdated(listing)]);
  return holdAnswer(hold);
}

/** No row was inserted: either this order already has its hold, or there is nothing to hold. */
async function answerRepeatedRequest(
  client: PoolClient,
  request: HoldRequest,
): Promise<HoldResponse> {
  const existing = await findHold(client, request.orderId);
  if (existing) {
    if (!sameRequest(existing, request)) {
      throw new ConflictError('This order already holds different tickets', 'hold_mismatch');
    }
    return holdAnswer(existing);
  }
  if (request.kind === 'primary') {
    throw new NotFoundError(
      `Match ${request.matchNumber} has no category ${request.category}`,
      'category_not_found',
    );
  }
  const ticket = await findTicket(client, request.ticketId);
  const listing = await findLatestListingOfTicket(client, request.ticketId);
  if (!ticket || !listing || listing.status === 'withdrawn') {
    throw new NotFoundError('This ticket is not for sale', 'listing_not_found');
  }
  if (listing.sellerId === request.userId) {
    throw new ForbiddenError('You cannot buy your own listing', 'own_listing');
  }
  throw new Refused('listing_unavailable');
}

function sameRequest(hold: HoldRecord, request: HoldRequest): boolean {
  if (hold.userId !== request.userId || hold.kind !== request.kind) return false;
  return request.kind === 'primary'
    ? hold.matchNumber === request.matchNumber &&
        hold.category === request.category &&
        hold.quantity === request.quantity
    : hold.ticketId === request.ticketId;
}
