import {
  AppError,
  appendToOutbox,
  ordersEvents,
  type CurrentUser,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { OrdersConfig } from '../config';
import { NotEnoughTicketsError } from './order-errors';
import { requestedItems, type PlaceOrderInput } from './order.schemas';

/** Answers that say something about the request itself, not about demand for seats. */
const NOT_DEMAND = new Set(['idempotency_key_reused', 'concurrent_change']);

/**
 * Records that a fan asked and was refused (`orders.order.refused`). It runs after the
 * order's own transaction has ended (a refused order is deleted or cancelled), in a statement
 * of its own, so the fact goes through the outbox like every other event. Failing to record it
 * must not change the fan's answer, so a failure is logged and swallowed.
 */
export async function announceRefusal(
  runtime: ServiceRuntime<OrdersConfig>,
  user: CurrentUser,
  input: PlaceOrderInput,
  error: unknown,
): Promise<void> {
  if (!(error instanceof AppError) || NOT_DEMAND.has(error.code)) return;
  const event = ordersEvents.orderRefused.create({
    userId: user.id,
    ...requestedItems(input),
    reason: error.code,
    status: error.status,
    available: error instanceof NotEnoughTicketsError ? error.available : null,
  });
  try {
    // One statement, atomic on its own: no transaction block (round trips are the cost per order).
    await appendToOutbox(runtime.pool, runtime.schema, [event]);
  } catch (failure) {
    runtime.logger.warn({ err: failure, reason: error.code }, 'refusal not recorded');
  }
}
