import type { PaymentView } from '@ticketaka/contracts';
import type { PaymentRecord } from '../data-access/payment.repository';

/** What the fan sees of a payment: its state, and why it failed or was refunded. */
export function paymentView(payment: PaymentRecord): PaymentView {
  return {
    id: payment.id,
    orderId: payment.orderId,
    status: payment.status,
    amountCents: payment.amountCents,
    currency: payment.currency,
    provider: payment.provider,
    attempts: payment.attempt,
    failure:
      payment.status === 'failed' && payment.failureCode
        ? { code: payment.failureCode, message: payment.failureReason ?? 'The payment failed' }
        : null,
    refund:
      payment.status === 'refund_pending' || payment.status === 'refunded'
        ? {
            status: payment.status === 'refunded' ? 'refunded' : 'pending',
            code: payment.refundCode,
            reason: payment.refundReason,
            requestedAt: payment.refundRequestedAt?.toISOString() ?? null,
            refundedAt: payment.refundedAt?.toISOString() ?? null,
          }
        : null,
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString(),
  };
}

export type { PaymentView };

/** The fields every payments.payment.* event carries. */
export function paymentEventData(payment: PaymentRecord) {
  return {
    id: payment.id,
    orderId: payment.orderId,
    userId: payment.userId,
    amountCents: payment.amountCents,
    currency: payment.currency,
    provider: payment.provider,
    providerPaymentId: payment.providerPaymentId ?? '',
    version: payment.version,
  };
}
