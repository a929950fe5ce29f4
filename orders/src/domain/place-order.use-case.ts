import { randomUUID } from 'node:crypto';
import {
  AppError,
  appendToOutbox,
  ConflictError,
  inTransaction,
  UnprocessableError,
  type CurrentUser,
  type HoldRequest,
  type HoldResponse,
  type PoolClient,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { OrdersConfig } from '../config';
import { claimIdempotencyKey } from '../data-access/idempotency-key.repository';
import {
  beginHoldRequest,
  deleteUnconfirmedOrder,
  endHoldRequest,
  findOrder,
  insertOrder,
  lockFanMatch,
  lockOrder,
  markHoldUncertain,
  recordTentativeHold,
  ticketsCountedForFan,
  transitionOrder,
  type OrderRecord,
} from '../data-access/order.repository';
import { requestHold } from '../data-access/tickets-hold.client';
import { announceRefusal } from './announce-refusal';
import { FanLimitError, holdUnavailable, NotEnoughTicketsError } from './order-errors';
import { orderCancelledEvent, orderCreatedEvent } from './order-events';
import { isResale, requestHash, type PlaceOrderInput } from './order.schemas';

type Runtime = ServiceRuntime<OrdersConfig>;

export interface PlaceOrderResult {
  order: OrderRecord;
  /** The Idempotency-Key named an order made by an earlier request. */
  replayed: boolean;
}

/**
 * Places an order in two steps, because the hold lives in another service's database:
 * 1. record the order (`created`) and commit, so it exists before anything is held for it;
 * 2. ask tickets for a hold keyed by the order id and record the answer.
 * If the service dies between the two, the sweeper cancels the `created` order and tickets
 * releases whatever it held for that id. A refused order is deleted: nothing was held or
 * announced for it, so a refusal leaves no trace (and a retry with its key starts afresh).
 */
async function decideOrder(
  runtime: Runtime,
  user: CurrentUser,
  input: PlaceOrderInput,
  idempotencyKey?: string,
): Promise<PlaceOrderResult> {
  for (let attempt = 1; ; attempt += 1) {
    const { order, isNew } = await recordOrder(runtime, user, input, idempotencyKey);
    if (order.status !== 'created') return { order, replayed: true };
    const outcome = await confirmHold(runtime, order);
    switch (outcome.kind) {
      case 'decided':
        return { order: outcome.order, replayed: !isNew };
      case 'refused':
      case 'unanswered':
        throw outcome.error;
      case 'vanished':
        // A concurrent retry with the same key was refused and deleted the order; decide anew.
        if (attempt < 3) continue;
        throw new ConflictError(
          'The order changed while it was being placed; try again',
          'concurrent_change',
        );
    }
  }
}

/** Places the order (see decideOrder); a refusal is also announced as a fact for analytics. */
export async function placeOrder(
  runtime: Runtime,
  user: CurrentUser,
  input: PlaceOrderInput,
  idempotencyKey?: string,
): Promise<PlaceOrderResult> {
  try {
    return await decideOrder(runtime, user, input, idempotencyKey);
  } catch (error) {
    await announceRefusal(runtime, user, input, error);
    throw error;
  }
}

/** Step 1: the order row (and the idempotency key), under the per-fan limit. */
async function recordOrder(
  runtime: Runtime,
  user: CurrentUser,
  input: PlaceOrderInput,
  idempotencyKey?: string,
) {
  const { config } = runtime;
  return inTransaction(
    runtime.pool,
    async (client): Promise<{ order: OrderRecord; isNew: boolean }> => {
      const id = randomUUID();
      if (idempotencyKey !== undefined) {
        const hash = requestHash(input);
        const claim = await claimIdempotencyKey(client, {
          userId: user.id,
          key: idempotencyKey,
          requestHash: hash,
          orderId: id,
        });
        if (!claim.claimed) {
          if (claim.requestHash !== hash) {
            throw new UnprocessableError(
              'This Idempotency-Key was already used for a different order request',
              'idempotency_key_reused',
            );
          }
          const existing = await findOrder(client, claim.orderId);
          if (!existing) throw new Error(`idempotency key names missing order ${claim.orderId}`);
          return { order: existing, isNew: false };
        }
      }
      if (!isResale(input)) {
        await ensureWithinFanLimit(
          client,
          config,
          user.id,
          input.matchNumber,
          input.quantity,
          null,
        );
      }
      const order = await insertOrder(client, {
        id,
        userId: user.id,
        kind: isResale(input) ? 'resale' : 'primary',
        matchNumber: isResale(input) ? null : input.matchNumber,
        category: isResale(input) ? null : input.category,
        quantity: isResale(input) ? 1 : input.quantity,
        ticketId: isResale(input) ? input.ticketId : null,
        lockSeconds: config.ORDER_LOCK_SECONDS,
      });
      return { order, isNew: true };
    },
  );
}

/**
 * The limit counts created, awaiting-payment and complete orders. The advisory lock makes
 * the count and the insert (or confirmation) atomic per fan and match.
 */
async function ensureWithinFanLimit(
  client: PoolClient,
  config: OrdersConfig,
  userId: string,
  matchNumber: number,
  quantity: number,
  excludeOrderId: string | null,
): Promise<void> {
  await lockFanMatch(client, userId, matchNumber);
  const already = await ticketsCountedForFan(client, userId, matchNumber, excludeOrderId);
  if (already + quantity > config.MAX_TICKETS_PER_FAN_PER_MATCH) {
    throw new FanLimitError(config.MAX_TICKETS_PER_FAN_PER_MATCH, already, matchNumber);
  }
}

/** Tickets' answers that mean "nothing was held for this request". */
const REFUSALS = [400, 403, 404, 422];

type HoldOutcome =
  | { kind: 'decided'; order: OrderRecord }
  | { kind: 'refused'; error: AppError }
  | { kind: 'unanswered'; error: AppError }
  | { kind: 'vanished' };

/**
 * Ends an order that tickets refused. Normally it is deleted: nothing was held or announced.
 * But if an earlier request for it went unanswered, or another request for it is still in
 * flight (a retry with the same key), that request may still be deciding in tickets (and a
 * refusal now does not prove it will refuse), so the order is cancelled with an event
 * instead, and tickets releases whatever it ends up holding for this order id.
 */
async function endRefusedOrder(
  runtime: Runtime,
  client: PoolClient,
  order: OrderRecord,
  error: AppError,
): Promise<HoldOutcome> {
  if (!order.holdUncertain && order.holdRequestsInFlight === 0) {
    await deleteUnconfirmedOrder(client, order.id);
    return { kind: 'refused', error };
  }
  const cancelled = await transitionOrder(client, order, 'cancelled', { cancelReason: error.code });
  await appendToOutbox(client, runtime.schema, [orderCancelledEvent(cancelled, error.code)]);
  return { kind: 'refused', error };
}

/**
 * Step 2: ask tickets with no transaction open and no connection held, then record the
 * answer in a short transaction. Nothing is locked across the call: the row is re-read under
 * its lock once the answer is in, and every change is conditional on status and version, so
 * a cancel, the sweeper or a concurrent retry that decided meanwhile wins and the answer is
 * dropped. Tickets then releases the hold when it hears the order ended, or refuses a
 * request that arrives after the end (its ended-orders record).
 */
async function confirmHold(runtime: Runtime, order: OrderRecord): Promise<HoldOutcome> {
  const { config, logger } = runtime;
  const started = await beginHoldRequest(runtime.pool, order.id);
  if (!started) {
    const current = await findOrder(runtime.pool, order.id);
    return current ? { kind: 'decided', order: current } : { kind: 'vanished' };
  }

  let answer: HoldResponse | undefined;
  let failure: unknown;
  try {
    answer = await requestHold(
      runtime.bus,
      holdRequestFor(started),
      config.HOLD_REQUEST_TIMEOUT_MS,
    );
  } catch (error) {
    failure = error;
  }

  return inTransaction(runtime.pool, async (client): Promise<HoldOutcome> => {
    const locked = await lockOrder(client, order.id);
    if (!locked) return { kind: 'vanished' };
    const current = await endHoldRequest(client, locked.order);
    // A cancel, the sweeper or another request with the same key decided while we asked.
    if (current.status !== 'created') return { kind: 'decided', order: current };

    if (!answer) {
      const error = failure;
      if (error instanceof AppError && REFUSALS.includes(error.status)) {
        // Tickets refused the request itself (unknown match, not for sale, own listing):
        // nothing is held. Anything else (a 409 included) may hide a hold: the order stays.
        return endRefusedOrder(runtime, client, current, error);
      }
      // No answer: a hold may or may not exist. The order stays `created` and remembers it;
      // a retry with the same key asks again (same order id, same hold), or the sweeper
      // cancels it and tickets releases what it held.
      logger.warn({ err: error, orderId: current.id }, 'hold not confirmed');
      await markHoldUncertain(client, current.id);
      return {
        kind: 'unanswered',
        error: holdUnavailable(error instanceof Error ? error.message : String(error)),
      };
    }

    if (!answer.held) {
      return endRefusedOrder(
        runtime,
        client,
        current,
        new NotEnoughTicketsError(answer.available, answer.reason),
      );
    }
    assertAnswerMatches(current, answer);

    const held = {
      matchNumber: answer.matchNumber,
      category: answer.category,
      quantity: answer.quantity,
      listingId: answer.listingId,
      unitPriceCents: answer.unitPriceCents,
      amountCents: answer.amountCents,
      currency: answer.currency,
    };
    if (current.kind === 'resale') {
      // Only now is the resale ticket's match known; over the limit, the hold is given back.
      try {
        await ensureWithinFanLimit(
          client,
          config,
          current.userId,
          answer.matchNumber,
          answer.quantity,
          current.id,
        );
      } catch (error) {
        if (!(error instanceof FanLimitError)) throw error;
        const cancelled = await transitionOrder(client, current, 'cancelled', {
          ...held,
          cancelReason: 'fan_limit_reached',
        });
        await appendToOutbox(client, runtime.schema, [
          orderCancelledEvent(cancelled, 'fan_limit_reached'),
        ]);
        return { kind: 'refused', error };
      }
    }
    // Resale moves no shared counts, so partners never order it: only primary holds wait.
    if (config.PARTNER_SYNC && current.kind === 'primary') {
      // Held here, but not yet safe: another platform may have taken these seats first. The
      // order becomes payable when the partner log confirms the hold (settle-partner-decision).
      const tentative = await recordTentativeHold(client, current, held);
      logger.info({ orderId: tentative.id }, 'order held, waiting for the partner log');
      return { kind: 'decided', order: tentative };
    }
    const awaiting = await transitionOrder(client, current, 'awaiting_payment', {
      ...held,
      lockSeconds: config.ORDER_LOCK_SECONDS,
    });
    await appendToOutbox(client, runtime.schema, [orderCreatedEvent(awaiting)]);
    logger.info(
      {
        orderId: awaiting.id,
        matchNumber: awaiting.matchNumber,
        category: awaiting.category,
        quantity: awaiting.quantity,
      },
      'order awaiting payment',
    );
    return { kind: 'decided', order: awaiting };
  });
}

function holdRequestFor(order: OrderRecord): HoldRequest {
  if (order.kind === 'resale') {
    return {
      kind: 'resale',
      orderId: order.id,
      userId: order.userId,
      ticketId: order.ticketId as string,
    };
  }
  return {
    kind: 'primary',
    orderId: order.id,
    userId: order.userId,
    matchNumber: order.matchNumber as number,
    category: order.category as number,
    quantity: order.quantity,
  };
}

/** A hold for something other than what was asked is a bug; the order is left for the sweeper. */
function assertAnswerMatches(
  order: OrderRecord,
  answer: Extract<HoldResponse, { held: true }>,
): void {
  const same =
    answer.orderId === order.id &&
    (order.kind === 'resale'
      ? answer.ticketId === order.ticketId && answer.quantity === 1
      : answer.matchNumber === order.matchNumber &&
        answer.category === order.category &&
        answer.quantity === order.quantity);
  if (!same) throw new Error(`tickets answered a hold that does not match order ${order.id}`);
}
