import { randomUUID } from 'node:crypto';
import {
  AppError,
  ConflictError,
  inTransaction,
  UnprocessableError,
  type CurrentUser,
  type HoldRequest,
  type PoolClient,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { OrdersConfig } from '../config';
import { claimIdempotencyKey } from '../data-access/idempotency-key.repository';
import {
  beginHoldRequest,
  commitTransition,
  deleteRefusedOrder,
  deleteUnconfirmedOrder,
  endHoldRequest,
  findOrder,
  insertOrder,
  lockFanMatch,
  lockOrder,
  markHoldUncertain,
  recordTentativeHold,
  ticketsCountedForFan,
  type OrderRecord,
} from '../data-access/order.repository';
import { requestHold } from '../data-access/tickets-hold.client';
import { announceRefusal } from './announce-refusal';
import { decideHoldAnswer, type HoldAnswerDecision, type TicketsAnswer } from './hold-answer';
import { FanLimitError, holdUnavailable } from './order-errors';
import { orderCancelledEvent, orderCreatedEvent } from './order-events';
import { isResale, requestedItems, requestHash, type PlaceOrderInput } from './order.schemas';

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
    const outcome = await confirmHold(runtime, order, isNew);
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
      const order = await insertOrder(
        client,
        {
          id,
          userId: user.id,
          ...requestedItems(input),
          lockSeconds: config.ORDER_LOCK_SECONDS,
        },
        // The limit counts created, awaiting-payment and complete orders; the advisory lock
        // makes the count and the insert one decision per fan and match. A resale order's
        // match is known only from tickets' answer, so its limit is checked then.
        isResale(input)
          ? undefined
          : await lockForFanLimit(client, user.id, input.matchNumber, config),
      );
      if (!order) {
        const match = (input as { matchNumber: number }).matchNumber;
        const already = await ticketsCountedForFan(client, user.id, match, null);
        throw new FanLimitError(config.MAX_TICKETS_PER_FAN_PER_MATCH, already, match);
      }
      return { order, isNew: true };
    },
  );
}

/** Takes the per-fan, per-match lock and answers the limit the insert must respect. */
async function lockForFanLimit(
  client: PoolClient,
  userId: string,
  matchNumber: number,
  config: OrdersConfig,
): Promise<number> {
  await lockFanMatch(client, userId, matchNumber);
  return config.MAX_TICKETS_PER_FAN_PER_MATCH;
}

/**
 * The limit counts created, awaiting-payment and complete orders. The advisory lock makes
 * the count and the confirmation atomic per fan and match.
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

type HoldOutcome =
  | { kind: 'decided'; order: OrderRecord }
  | { kind: 'refused'; error: AppError }
  | { kind: 'unanswered'; error: AppError }
  | { kind: 'vanished' };

/**
 * Step 2: ask tickets with no transaction open and no connection held, then record the
 * answer. A new order already counts this request in flight (its insert did); a resumed one
 * announces it first. Nothing is locked across the call, and every change is conditional
 * on status and version, so a cancel, the sweeper or a concurrent retry that decided
 * meanwhile wins and the answer is dropped. Tickets then releases the hold when it hears
 * the order ended, or refuses a request that arrives after the end (its ended-orders record).
 */
async function confirmHold(
  runtime: Runtime,
  order: OrderRecord,
  requestCounted: boolean,
): Promise<HoldOutcome> {
  const { config } = runtime;
  const started = requestCounted ? order : await beginHoldRequest(runtime.pool, order.id);
  if (!started) {
    const current = await findOrder(runtime.pool, order.id);
    return current ? { kind: 'decided', order: current } : { kind: 'vanished' };
  }

  let outcome: TicketsAnswer;
  try {
    outcome = {
      answer: await requestHold(
        runtime.bus,
        holdRequestFor(started),
        config.HOLD_REQUEST_TIMEOUT_MS,
      ),
    };
  } catch (failure) {
    outcome = { failure };
  }

  // The usual case: nothing touched the order while tickets decided, so the decision is
  // committed in one statement, conditional on the version read before asking.
  const unlocked = await commitUnlocked(runtime, started, outcome);
  if (unlocked) return unlocked;

  // Something moved (a retry, a cancel, the sweeper), or the decision needs the fan-limit
  // lock: decide again on the order as it stands, under its row lock.
  return inTransaction(runtime.pool, async (client): Promise<HoldOutcome> => {
    const locked = await lockOrder(client, order.id);
    if (!locked) return { kind: 'vanished' };
    const current = await endHoldRequest(client, locked.order);
    if (current.status !== 'created') return { kind: 'decided', order: current };
    return applyDecision(runtime, client, current, decideHoldAnswer(current, outcome, config));
  });
}

/** The fast path: only the two common decisions, each one statement; anything else → undefined. */
async function commitUnlocked(
  runtime: Runtime,
  started: OrderRecord,
  outcome: TicketsAnswer,
): Promise<HoldOutcome | undefined> {
  if (started.status !== 'created') return undefined;
  // As the order will stand once this request is answered.
  const answered = { ...started, holdRequestsInFlight: started.holdRequestsInFlight - 1 };
  const decision = decideHoldAnswer(answered, outcome, runtime.config);
  if (decision.kind === 'await_payment' && !decision.checkFanLimit) {
    const awaiting = await commitTransition(
      runtime.pool,
      runtime.schema,
      started,
      'awaiting_payment',
      { ...decision.held, lockSeconds: runtime.config.ORDER_LOCK_SECONDS },
      orderCreatedEvent,
      { endsHoldRequest: true },
    );
    if (awaiting) logAwaiting(runtime, awaiting);
    return awaiting && { kind: 'decided', order: awaiting };
  }
  if (decision.kind === 'refused' && decision.end === 'delete') {
    // Nothing was held or announced for it, so the order (and its key) leave no trace.
    if (await deleteRefusedOrder(runtime.pool, started)) {
      return { kind: 'refused', error: decision.error };
    }
  }
  return undefined;
}

/** Records a decision under the order's row lock (the order is `created`). */
async function applyDecision(
  runtime: Runtime,
  client: PoolClient,
  current: OrderRecord,
  decision: HoldAnswerDecision,
): Promise<HoldOutcome> {
  const { config, logger, schema } = runtime;
  switch (decision.kind) {
    case 'unanswered': {
      const { failure } = decision;
      // A retry with the same key asks again (same order id, same hold), or the sweeper
      // cancels the order and tickets releases what it held.
      logger.warn({ err: failure, orderId: current.id }, 'hold not confirmed');
      await markHoldUncertain(client, current.id);
      return {
        kind: 'unanswered',
        error: holdUnavailable(failure instanceof Error ? failure.message : String(failure)),
      };
    }
    case 'refused':
      if (decision.end === 'delete') {
        await deleteUnconfirmedOrder(client, current.id);
      } else {
        await commitOrThrow(
          client,
          schema,
          current,
          'cancelled',
          { cancelReason: decision.error.code },
          (o) => orderCancelledEvent(o, decision.error.code),
        );
      }
      return { kind: 'refused', error: decision.error };
    case 'tentative': {
      // Held here, but not yet safe: another platform may have taken these seats first. The
      // order becomes payable when the partner log confirms the hold (settle-partner-decision).
      const tentative = await recordTentativeHold(client, current, decision.held);
      logger.info({ orderId: tentative.id }, 'order held, waiting for the partner log');
      return { kind: 'decided', order: tentative };
    }
    case 'await_payment': {
      const { held } = decision;
      if (decision.checkFanLimit) {
        // Only now is the resale ticket's match known; over the limit, the hold is given back.
        try {
          await ensureWithinFanLimit(
            client,
            config,
            current.userId,
            held.matchNumber,
            held.quantity,
            current.id,
          );
        } catch (error) {
          if (!(error instanceof FanLimitError)) throw error;
          await commitOrThrow(
            client,
            schema,
            current,
            'cancelled',
            { ...held, cancelReason: 'fan_limit_reached' },
            (o) => orderCancelledEvent(o, 'fan_limit_reached'),
          );
          return { kind: 'refused', error };
        }
      }
      const awaiting = await commitOrThrow(
        client,
        schema,
        current,
        'awaiting_payment',
        { ...held, lockSeconds: config.ORDER_LOCK_SECONDS },
        orderCreatedEvent,
      );
      logAwaiting(runtime, awaiting);
      return { kind: 'decided', order: awaiting };
    }
  }
}

/** Under the row lock nothing else can move the order, so a lost race here is a bug. */
async function commitOrThrow(...args: Parameters<typeof commitTransition>): Promise<OrderRecord> {
  const after = await commitTransition(...args);
  if (!after)
    throw new ConflictError(
      'The order was changed by another request; try again',
      'concurrent_change',
    );
  return after;
}

function logAwaiting(runtime: Runtime, order: OrderRecord): void {
  if (!runtime.logger.isLevelEnabled('info')) return;
  runtime.logger.info(
    {
      orderId: order.id,
      matchNumber: order.matchNumber,
      category: order.category,
      quantity: order.quantity,
    },
    'order awaiting payment',
  );
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
