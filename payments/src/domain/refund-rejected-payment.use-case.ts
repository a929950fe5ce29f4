import { ordersEvents, type EventOf, type PoolClient } from '@ticketaka/common';
import {
  findPaymentById,
  findPaymentByOrderId,
  markRefundDue,
} from '../data-access/payment.repository';
import { refundReasonFor } from './order-payability';
import type { PaymentsContext } from './payments-context';

/**
 * Orders could not take a payment we announced (the order ended first): give the money back.
 * Marks the refund due inside the consumer's transaction; returns whether one became due,
 * so the caller wakes the refund worker once that is committed.
 */
export async function refundRejectedPayment(
  ctx: PaymentsContext,
  client: PoolClient,
  event: EventOf<typeof ordersEvents.orderPaymentRejected>,
): Promise<boolean> {
  const { orderId, paymentId, orderStatus, reason } = event.data;
  const payment =
    (await findPaymentById(client, paymentId, 'for update')) ??
    (await findPaymentByOrderId(client, orderId, 'for update'));
  if (!payment) {
    ctx.runtime.logger.error(
      { orderId, paymentId },
      'orders rejected a payment this service does not know',
    );
    return false;
  }
  const refund = refundReasonFor(orderStatus, reason);
  return (await markRefundDue(client, { id: payment.id, ...refund })) !== undefined;
}
