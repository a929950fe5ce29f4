import {
  appendToOutbox,
  ConflictError,
  currentContext,
  ForbiddenError,
  GroupCommit,
  inTransaction,
  NotFoundError,
  type HoldRequest,
  type HoldResponse,
  type Pool,
  type PoolClient,
  type RequestContext,
  runWithContext,
} from '@ticketaka/common';
import {
  findHold,
  findHoldsAndEndedOrders,
  insertPrimaryHolds,
  insertResaleHold,
  isEndedOrder,
  lockOrderHold,
  lockOrderHolds,
  type HoldRecord,
} from '../data-access/hold.repository';
import { holdSeats, lockInventory } from '../data-access/inventory.repository';
import { findLatestListingOfTicket, lockListing } from '../data-access/listing.repository';
import { findTicket } from '../data-access/ticket.repository';
import { holdAnswer, holdPlaced } from './hold';
import { availabilityOf, inventoryChanged } from './inventory';
import { listingUpdated } from './listing';
import { applyCertainTicketMove } from './move-ticket';
import { decideHoldBatch, type BatchDecision, type PrimaryHoldRequest } from './hold-batch';

type ResaleHoldRequest = Extract<HoldRequest, { kind: 'resale' }>;
type Deps = { pool: Pool; schema: string };

/** Thrown inside the transaction to roll the hold row back; answered as a refusal. */
class Refused extends Error {
  constructor(readonly reason: 'listing_unavailable') {
    super(reason);
  }
}

/** A primary hold waiting for its category's batch, with the asking request's context (its
 * hold.placed event names that request as the cause). */
interface QueuedHold {
  request: PrimaryHoldRequest;
  context: RequestContext | undefined;
}

/**
 * Holds tickets for an order, or refuses at once. The order id is the idempotency key.
 * Primary holds on one category are group-committed (common's `GroupCommit`, one batch at a
 * time per category): the requests that queue while a batch is decided are decided together
 * under the category's row lock, each all or nothing, in one transaction with their hold rows
 * and outbox events. A resale hold locks one listing and is decided alone.
 */
export function createHoldPlacer(deps: Deps): (request: HoldRequest) => Promise<HoldResponse> {
  const categories = new Map<string, GroupCommit<QueuedHold, HoldResponse>>();
  const laneOf = (request: PrimaryHoldRequest) => {
    const key = `${request.matchNumber}:${request.category}`;
    let lane = categories.get(key);
    if (!lane) {
      lane = new GroupCommit({ write: (batch) => placePrimaryHolds(deps, batch), maxBatch: 200 });
      categories.set(key, lane);
    }
    return lane;
  };
  return (request) =>
    request.kind === 'primary'
      ? laneOf(request).submit({ request, context: currentContext() })
      : placeResaleHold(deps, request);
}

/**
 * One transaction for a batch of primary holds on one category: the orders' hold locks (the
 * same lock a release takes), what they already have (a hold, or an ended-order record: the
 * order's end overtook its request), the category under its row lock, the pure decision,
 * then the new hold rows, one counter update and the events. Each request gets its own
 * answer; a rollback answers every request of the batch with the error, and nothing is held
 * for any of them. The lanes are one per category of the catalogue, so their number is bounded.
 */
async function placePrimaryHolds(
  deps: Deps,
  batch: QueuedHold[],
): Promise<(HoldResponse | Error)[]> {
  const first = batch[0]?.request;
  if (!first) return [];
  const ids = batch.map((entry) => entry.request.orderId);
  const answers = await inTransaction(deps.pool, async (client) => {
    await lockOrderHolds(client, ids);
    const { holds, ended } = await findHoldsAndEndedOrders(client, ids);
    const inventory = await lockInventory(client, first.matchNumber, first.category);
    const requests = batch.map((entry) => entry.request);
    const { decisions, granted, pendingAfter } = decideHoldBatch(requests, {
      pending: inventory && availabilityOf(inventory).pending,
      holds,
      ended,
    });
    if (!inventory || granted === 0) return { decisions, placed: new Map(), pendingAfter };

    const placed = await insertPrimaryHolds(
      client,
      batch
        .filter((_, i) => decisions[i]?.kind === 'grant')
        .map(({ request }) => ({
          ...request,
          unitPriceCents: inventory.priceCents,
          currency: inventory.currency,
        })),
    );
    const after = await holdSeats(
      client,
      first.matchNumber,
      first.category,
      granted,
      placed.length,
    );
    // Decided under the row lock, so the conditional update cannot refuse; if it did, roll back.
    if (!after) throw new Error(`hold batch on ${first.matchNumber}/${first.category} not applied`);
    const byOrder = new Map(placed.map((hold) => [hold.orderId, hold]));
    const events = batch.flatMap(({ request, context }) => {
      const hold = byOrder.get(request.orderId);
      return hold ? [runWithContext(context ?? {}, () => holdPlaced(hold))] : [];
    });
    await appendToOutbox(client, deps.schema, [...events, inventoryChanged(after)]);
    return { decisions, placed: byOrder, pendingAfter };
  });

  const firstAnswer = new Map<string, HoldResponse | Error>();
  return batch.map((entry, i) => {
    const decision = answers.decisions[i] as BatchDecision;
    const answer =
      decision.kind === 'same-as-earlier'
        ? (firstAnswer.get(entry.request.orderId) as HoldResponse | Error)
        : answerOf(decision, entry.request, answers.placed, answers.pendingAfter);
    if (!firstAnswer.has(entry.request.orderId)) firstAnswer.set(entry.request.orderId, answer);
    return answer;
  });
}

function answerOf(
  decision: Exclude<BatchDecision, { kind: 'same-as-earlier' }>,
  request: Extract<HoldRequest, { kind: 'primary' }>,
  placed: Map<string, HoldRecord>,
  pendingAfter: number,
): HoldResponse | Error {
  switch (decision.kind) {
    case 'grant':
      return holdAnswer(placed.get(request.orderId) as HoldRecord);
    case 'repeat':
      return holdAnswer(decision.hold);
    case 'not_enough_tickets':
      return { held: false, reason: 'not_enough_tickets', available: Math.max(0, pendingAfter) };
    case 'order_ended':
      return new ConflictError('This order has already ended', 'order_ended');
    case 'hold_mismatch':
      return new ConflictError('This order already holds different tickets', 'hold_mismatch');
    case 'category_not_found':
      return new NotFoundError(
        `Match ${request.matchNumber} has no category ${request.category}`,
        'category_not_found',
      );
  }
}

async function placeResaleHold(deps: Deps, request: ResaleHoldRequest): Promise<HoldResponse> {
  try {
    return await inTransaction(deps.pool, async (client) => {
      await lockOrderHold(client, request.orderId);
      // Orders asks outside any transaction, so the order's end can overtake its request.
      if (await isEndedOrder(client, request.orderId))
        throw new ConflictError('This order has already ended', 'order_ended');
      return holdResale(client, deps.schema, request);
    });
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    return { held: false, reason: 'listing_unavailable', available: 0 };
  }
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
  request: ResaleHoldRequest,
): Promise<HoldResponse> {
  const existing = await findHold(client, request.orderId);
  if (existing) {
    if (!sameRequest(existing, request)) {
      throw new ConflictError('This order already holds different tickets', 'hold_mismatch');
    }
    return holdAnswer(existing);
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

function sameRequest(hold: HoldRecord, request: ResaleHoldRequest): boolean {
  return (
    hold.userId === request.userId && hold.kind === 'resale' && hold.ticketId === request.ticketId
  );
}
