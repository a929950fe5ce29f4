import { appendToOutbox, inTransaction, paymentsEvents, type PoolClient } from '@ticketaka/common';
import { findOrder } from '../data-access/order-projection.repository';
import {
  findPaymentByOrderId,
  findPaymentByProviderPaymentId,
  markAttemptFailed,
  markRefundDue,
  markSucceeded,
  recordProviderEvent,
  retireIntent,
  type PaymentRecord,
} from '../data-access/payment.repository';
import { isOver, refundReasonFor } from './order-payability';
import { INTENT_METADATA } from './payment-provider';
import { paymentEventData } from './payment-view';
import type { PaymentsContext } from './payments-context';
import { verifyProviderWebhook, type ProviderIntentEvent } from './provider-webhook';

export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored';

/**
 * The provider's word on a payment, the only way a payment becomes `succeeded`.
 * Verify the signature on the raw bytes → skip an event already applied → apply it to the
 * order's payment, recording the event id in the same transaction.
 */
export async function applyProviderWebhook(
  ctx: PaymentsContext,
  rawBody: Buffer,
  signature: string | undefined,
): Promise<WebhookOutcome> {
  const event = verifyProviderWebhook(
    rawBody,
    signature,
    ctx.provider.webhookSecret,
    ctx.runtime.config.WEBHOOK_TOLERANCE_SECONDS,
  );
  const log = ctx.runtime.logger.child({
    providerEventId: event.id,
    providerEventType: event.type,
  });
  let refundDue = false;

  const outcome = await inTransaction(ctx.runtime.pool, async (client): Promise<WebhookOutcome> => {
    const type = event.type === 'other' ? event.providerType : event.type;
    if (!(await recordProviderEvent(client, { id: event.id, provider: ctx.provider.name, type })))
      return 'duplicate';
    if (event.type === 'other') return 'ignored';

    const payment = await paymentFor(client, event);
    if (!payment) {
      // Not one of ours (another application on the same account, or a test event).
      log.warn(
        { intentId: event.intent.id },
        'webhook for a payment intent this service does not know',
      );
      return 'ignored';
    }
    switch (event.type) {
      case 'payment_intent.succeeded':
        refundDue = await onSucceeded(ctx, client, payment, event);
        return 'applied';
      case 'payment_intent.payment_failed':
        await onFailed(ctx, client, payment, event);
        return 'applied';
      case 'payment_intent.canceled':
        await retireIntent(client, payment.id, event.intent.id);
        await onFailed(ctx, client, payment, event, {
          code: 'payment_canceled',
          message: 'The payment was cancelled; please try again.',
        });
        return 'applied';
      default: {
        const unhandled: never = event;
        throw new Error(`unhandled provider event ${JSON.stringify(unhandled)}`);
      }
    }
  });
  if (refundDue) ctx.refunds.kick();
  log.info({ outcome }, 'provider webhook');
  return outcome;
}

async function paymentFor(
  client: PoolClient,
  event: ProviderIntentEvent,
): Promise<PaymentRecord | undefined> {
  const orderId = event.intent.metadata[INTENT_METADATA.orderId];
  if (orderId && /^[0-9a-f-]{36}$/i.test(orderId))
    return findPaymentByOrderId(client, orderId, 'for update');
  return findPaymentByProviderPaymentId(client, event.intent.id, 'for update');
}

/**
 * Announces the success once; replays and late duplicates find it done. When payments
 * already knows the order is over, or the provider took another amount or currency than
 * the order's, the money goes straight back instead.
 * Returns true when a refund became due.
 */
async function onSucceeded(
  ctx: PaymentsContext,
  client: PoolClient,
  payment: PaymentRecord,
  event: ProviderIntentEvent,
): Promise<boolean> {
  if (
    payment.status === 'succeeded' ||
    payment.status === 'refund_pending' ||
    payment.status === 'refunded'
  )
    return false;
  const received = event.intent.amountReceivedCents ?? event.intent.amountCents;
  if (received !== payment.amountCents || event.intent.currency !== payment.currency) {
    // Fails closed: the order is not paid by a different sum; what was taken goes back
    // (the provider refunds the whole charge) and the payment keeps the reason.
    ctx.runtime.logger.error(
      {
        alert: 'payment_amount_mismatch',
        orderId: payment.orderId,
        expected: `${payment.amountCents} ${payment.currency}`,
        received: `${received} ${event.intent.currency}`,
      },
      'provider took a different amount than the order; refunding instead of completing it',
    );
    const { code, reason } = refundReasonFor(payment.status, 'amount_mismatch');
    await markRefundDue(client, {
      id: payment.id,
      code,
      reason,
      providerPaymentId: event.intent.id,
    });
    return true;
  }
  const order = await findOrder(client, payment.orderId);
  if (order && isOver(order)) {
    const { code, reason } = refundReasonFor(order.status);
    await markRefundDue(client, {
      id: payment.id,
      code,
      reason,
      providerPaymentId: event.intent.id,
    });
    return true;
  }
  const succeeded = await markSucceeded(client, payment.id, event.intent.id);
  if (succeeded) {
    await appendToOutbox(client, ctx.runtime.schema, [
      paymentsEvents.paymentSucceeded.create(paymentEventData(succeeded)),
    ]);
  }
  return false;
}

/**
 * Fails the running attempt. Declines are normally answered at once by the confirmation
 * itself; this covers failures that come later. An event created before the running
 * attempt started belongs to an earlier attempt and is ignored.
 */
async function onFailed(
  ctx: PaymentsContext,
  client: PoolClient,
  payment: PaymentRecord,
  event: ProviderIntentEvent,
  failure = event.intent.failure ?? { code: 'payment_failed', message: 'The payment failed' },
) {
  if (payment.status !== 'processing') return;
  if (event.created * 1000 <= payment.attemptStartedAt.getTime()) return;
  const failed = await markAttemptFailed(client, {
    id: payment.id,
    attempt: payment.attempt,
    code: failure.code,
    reason: failure.message,
  });
  if (failed) {
    await appendToOutbox(client, ctx.runtime.schema, [
      paymentsEvents.paymentFailed.create({
        ...paymentEventData(failed),
        reason: `${failure.code}: ${failure.message}`,
      }),
    ]);
  }
}
