import { applyOnce, ordersEvents, type EventOf } from '@ticketaka/common';
import {
  findPaymentById,
  findPaymentByOrderId,
  markRefundDue,
} from '../data-access/payment.repository';
import { refundReasonFor } from './order-payability';
import type { PaymentsContext } from './payments-context';

/** Orders could not take a payment we announced (the order ended first): give the money back. */
export async function refundRejectedPayment(
  ctx: PaymentsContext,
  event: EventOf<typeof ordersEvents.orderPaymentRejected>,
) {
  const { orderId, paymentId, orderStatus, reason } = event.data;
  let due = false;
  await applyOnce(ctx.runtime.pool, 'payments', event.id, async (client) => {
    const payment =
      (await findPaymentById(client, paymentId, 'for update')) ??
      (await findPaymentByOrderId(client, orderId, 'for update'));
    if (!payment) {
      ctx.runtime.logger.error(
        { orderId, paymentId },
        'orders rejected a payment this service does not know',
      );
      return;
    }
    const refund = refundReasonFor(orderStatus, reason);
    due = (await markRefundDue(client, { id: payment.id, ...refund })) !== undefined;
  });
  if (due) ctx.refunds.kick();
}
