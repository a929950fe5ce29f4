import { randomUUID } from 'node:crypto';
import {
  AppError,
  appendToOutbox,
  BadRequestError,
  ConflictError,
  inTransaction,
  NotFoundError,
  ORDER_OWNERSHIP_SUBJECT,
  orderOwnershipResponseSchema,
  paymentsEvents,
  ServiceUnavailableError,
  type CurrentUser,
  type Pool,
} from '@ticketaka/common';
import { findOrder, type ProjectedOrder } from '../data-access/order-projection.repository';
import {
  claimAttempt,
  findPaymentById,
  markAttemptFailed,
  recordIntent,
  retireIntent,
  type PaymentRecord,
} from '../data-access/payment.repository';
import { assertPayable } from './order-payability';
import {
  idempotencyKeys,
  ProviderUnavailableError,
  type ConfirmOutcome,
  type PaymentMethodInput,
  type PaymentProvider,
} from './payment-provider';
import type { PayOrderInput } from './payment.schemas';
import { paymentEventData } from './payment-view';
import type { PaymentsContext } from './payments-context';

export interface PayOrderResult {
  /** false when this request found an attempt already running or finished (e.g. a double click). */
  started: boolean;
  payment: PaymentRecord;
}

/**
 * Pays an order: validate → find the order → check owner and state → claim the one attempt
 * → charge through the provider's per-order intent → record the answer. A success is only
 * recorded when the provider's signed webhook confirms it.
 */
export async function payOrder(
  ctx: PaymentsContext,
  user: CurrentUser,
  input: PayOrderInput,
): Promise<PayOrderResult> {
  const { pool, config } = ctx.runtime;
  const method = paymentMethodFor(ctx.provider, input);

  const order = await findCallersOrder(ctx, user, input.orderId);
  // Someone else's order is answered exactly like a missing one, as orders does: ids
  // cannot be tested for existence.
  if (!order || order.userId !== user.id)
    throw new NotFoundError('No such order', 'order_not_found');
  assertPayable(order, new Date());

  const claim = await claimAttempt(pool, {
    id: randomUUID(),
    orderId: order.id,
    userId: order.userId,
    amountCents: order.amountCents,
    currency: order.currency,
    provider: ctx.provider.name,
    leaseMs: config.PAYMENT_ATTEMPT_LEASE_MS,
  });
  if (!claim.started) return claim;
  const payment = claim.payment;

  let outcome: ConfirmOutcome;
  try {
    outcome = await charge(ctx, payment, method);
  } catch (error) {
    if (!(error instanceof ProviderUnavailableError)) throw error;
    ctx.runtime.logger.warn(
      { err: error, orderId: order.id, attempt: payment.attempt },
      'payment provider unavailable',
    );
    // Safe to let the fan retry: if the charge did go through, the intent shows it next time
    // and its webhook still arrives, so the retry cannot charge again.
    await failAttempt(
      ctx,
      payment,
      'provider_unavailable',
      'The payment provider did not answer; please try again.',
    );
    throw new ServiceUnavailableError(
      'The payment provider did not answer; please try again',
      'provider_unavailable',
    );
  }
  await ctx.hooks.afterConfirm?.(payment);

  if (outcome.outcome === 'declined') {
    await recordIntent(pool, payment.id, payment.attempt, outcome.intentId);
    await failAttempt(ctx, payment, outcome.code, outcome.message);
    throw new AppError(402, outcome.code, outcome.message);
  }
  await recordIntent(pool, payment.id, payment.attempt, outcome.intent.id);
  return { started: true, payment: (await findPaymentById(pool, payment.id)) ?? payment };
}

/**
 * Stripe's browser flow: the order's PaymentIntent is made (or found) on the server and its
 * client secret handed to Stripe.js, which confirms the card in the fan's browser, as Stripe
 * documents; the signed webhook then decides, exactly as for a server-side confirmation.
 * Same checks and the same one attempt as payOrder, so a second tab gets the same intent.
 */
export async function prepareBrowserPayment(
  ctx: PaymentsContext,
  user: CurrentUser,
  orderId: string,
): Promise<{ clientSecret: string; payment: PaymentRecord }> {
  const { pool, config } = ctx.runtime;
  if (ctx.provider.name !== 'stripe') {
    throw new ConflictError(
      'This platform takes cards through its sandbox form, not Stripe.js',
      'browser_confirmation_unsupported',
    );
  }
  const order = await findCallersOrder(ctx, user, orderId);
  // Someone else's order is answered exactly like a missing one, as payOrder does.
  if (!order || order.userId !== user.id)
    throw new NotFoundError('No such order', 'order_not_found');
  assertPayable(order, new Date());
  const { payment } = await claimAttempt(pool, {
    id: randomUUID(),
    orderId: order.id,
    userId: order.userId,
    amountCents: order.amountCents,
    currency: order.currency,
    provider: ctx.provider.name,
    leaseMs: config.PAYMENT_ATTEMPT_LEASE_MS,
  });
  if (payment.status !== 'processing')
    throw new ConflictError('This order is already paid', 'payment_already_made');
  let intent;
  try {
    intent = await ctx.provider.ensureIntent({
      deadline: Date.now() + config.PAYMENT_CALL_DEADLINE_MS,
      idempotencyKey: idempotencyKeys.intent(payment.orderId, payment.intentGeneration),
      orderId: payment.orderId,
      paymentId: payment.id,
      userId: payment.userId,
      amountCents: payment.amountCents,
      currency: payment.currency,
    });
  } catch (error) {
    if (!(error instanceof ProviderUnavailableError)) throw error;
    throw new ServiceUnavailableError(
      'The payment provider did not answer; please try again',
      'provider_unavailable',
    );
  }
  await recordIntent(pool, payment.id, payment.attempt, intent.id);
  if (!intent.clientSecret) throw new Error('Stripe returned an intent without a client secret');
  return { clientSecret: intent.clientSecret, payment };
}

/**
 * The order's one intent first: if it already took the money (a retry after a crash that
 * lost the record), it is not confirmed again. Otherwise confirm it with this attempt's key.
 */
async function charge(
  ctx: PaymentsContext,
  payment: PaymentRecord,
  method: PaymentMethodInput,
): Promise<ConfirmOutcome> {
  // One deadline for the whole charge, however many calls and retries it takes.
  const deadline = Date.now() + ctx.runtime.config.PAYMENT_CALL_DEADLINE_MS;
  const intent = await ctx.provider.ensureIntent({
    deadline,
    idempotencyKey: idempotencyKeys.intent(payment.orderId, payment.intentGeneration),
    orderId: payment.orderId,
    paymentId: payment.id,
    userId: payment.userId,
    amountCents: payment.amountCents,
    currency: payment.currency,
  });
  await recordIntent(ctx.runtime.pool, payment.id, payment.attempt, intent.id);
  if (intent.status === 'succeeded' || intent.status === 'processing')
    return { outcome: 'accepted', intent };
  if (intent.status === 'canceled') {
    await retireIntent(ctx.runtime.pool, payment.id, intent.id);
    return {
      outcome: 'declined',
      intentId: intent.id,
      code: 'payment_canceled',
      message: 'The payment was cancelled; please try again.',
    };
  }
  return ctx.provider.confirm({
    deadline,
    idempotencyKey: idempotencyKeys.confirm(payment.orderId, payment.attempt),
    intentId: intent.id,
    method,
  });
}

async function failAttempt(
  ctx: PaymentsContext,
  payment: PaymentRecord,
  code: string,
  reason: string,
) {
  await inTransaction(ctx.runtime.pool, async (client) => {
    const failed = await markAttemptFailed(client, {
      id: payment.id,
      attempt: payment.attempt,
      code,
      reason,
    });
    // Undefined when the webhook got there first (it announced the failure, or a success).
    if (failed) {
      await appendToOutbox(client, ctx.runtime.schema, [
        paymentsEvents.paymentFailed.create({
          ...paymentEventData(failed),
          reason: `${code}: ${reason}`,
        }),
      ]);
    }
  });
}

function paymentMethodFor(provider: PaymentProvider, input: PayOrderInput): PaymentMethodInput {
  if (provider.acceptsMethod === 'card') {
    if (!input.card) {
      throw new BadRequestError(
        'Card details are required',
        [{ message: 'Required in TEST MODE (sandbox)', field: 'card' }],
        'validation_failed',
      );
    }
    return { kind: 'card', ...input.card };
  }
  if (input.card) {
    throw new BadRequestError(
      'Card details are not accepted here',
      [
        {
          message:
            'Send a Stripe payment method id (pm_…) made by Stripe.js; card numbers never reach this server',
          field: 'card',
        },
      ],
      'validation_failed',
    );
  }
  if (!input.paymentMethodId) {
    throw new BadRequestError(
      'A payment method is required',
      [
        {
          message:
            'Required: a Stripe payment method id (pm_…); card numbers are never sent to this server',
          field: 'paymentMethodId',
        },
      ],
      'validation_failed',
    );
  }
  return { kind: 'payment_method', paymentMethodId: input.paymentMethodId };
}

/** Orders answers from one indexed row; beyond this it is taken to be unavailable. */
const OWNERSHIP_TIMEOUT_MS = 1000;

/**
 * The fan usually pays moments after orders announced the order, and payments learns of it
 * from that event a few milliseconds later. So for an order payments has not heard of,
 * orders is asked first whether it exists and is the caller's: an unknown or foreign id is
 * answered at once (one query here, one there) instead of being polled for seconds; only
 * the caller's own new order is waited for. If orders cannot answer, the wait is the
 * fallback, bounded as before.
 */
async function findCallersOrder(
  ctx: PaymentsContext,
  user: CurrentUser,
  orderId: string,
): Promise<ProjectedOrder | undefined> {
  const { pool, config, bus, logger } = ctx.runtime;
  const known = await findOrder(pool, orderId);
  if (known) return known;
  try {
    const { owned } = await bus.request(
      ORDER_OWNERSHIP_SUBJECT,
      { orderId, userId: user.id },
      orderOwnershipResponseSchema,
      OWNERSHIP_TIMEOUT_MS,
    );
    if (!owned) return undefined;
  } catch (error) {
    if (!(error instanceof ServiceUnavailableError)) throw error;
    logger.warn({ err: error, orderId }, 'orders did not say whose the order is; waiting for it');
  }
  return waitForOrder(pool, orderId, config.ORDER_PROJECTION_WAIT_MS);
}

async function waitForOrder(
  pool: Pool,
  orderId: string,
  waitMs: number,
): Promise<ProjectedOrder | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const order = await findOrder(pool, orderId);
    if (order || Date.now() >= deadline) return order;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))),
    );
  }
}
