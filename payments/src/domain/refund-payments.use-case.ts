import { appendToOutbox, inTransaction, paymentsEvents } from '@ticketaka/common';
import {
  listRefundsDue,
  markRefunded,
  type PaymentRecord,
} from '../data-access/payment.repository';
import { idempotencyKeys } from './payment-provider';
import { paymentEventData } from './payment-view';
import type { PaymentsContext } from './payments-context';

/**
 * Gives back every payment whose refund is due. The refund's idempotency key is derived
 * from the order, so running this twice, on two replicas or after a crash mid-call asks the
 * provider for one refund; only the first to record it announces payments.payment.refunded.
 * Returns how many are still due (they are tried again on the next round).
 */
export async function refundDuePayments(ctx: PaymentsContext, batchSize = 20): Promise<number> {
  const due = await listRefundsDue(ctx.runtime.pool, batchSize);
  let left = 0;
  for (const payment of due) {
    try {
      await refundOne(ctx, payment);
    } catch (error) {
      left += 1;
      ctx.runtime.logger.warn(
        { err: error, orderId: payment.orderId },
        'refund failed; will retry',
      );
    }
  }
  return left;
}

async function refundOne(ctx: PaymentsContext, payment: PaymentRecord) {
  if (!payment.providerPaymentId)
    throw new Error(`payment ${payment.id} has no provider payment id to refund`);
  const { refundId } = await ctx.provider.refund({
    deadline: Date.now() + ctx.runtime.config.PAYMENT_CALL_DEADLINE_MS,
    idempotencyKey: idempotencyKeys.refund(payment.orderId),
    intentId: payment.providerPaymentId,
    orderId: payment.orderId,
    paymentId: payment.id,
    amountCents: payment.amountCents,
  });
  await inTransaction(ctx.runtime.pool, async (client) => {
    const refunded = await markRefunded(client, payment.id, refundId);
    if (!refunded) return;
    await appendToOutbox(client, ctx.runtime.schema, [
      paymentsEvents.paymentRefunded.create({
        ...paymentEventData(refunded),
        reason: refunded.refundReason ?? 'Refunded',
      }),
    ]);
    ctx.runtime.logger.info(
      { orderId: refunded.orderId, refundId, code: refunded.refundCode },
      'payment refunded',
    );
  });
}
