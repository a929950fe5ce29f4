import {
  appendToOutbox,
  ordersEvents,
  RetryLaterError,
  type paymentsEvents,
  type EventOf,
  type PoolClient,
  type ServiceRuntime,
  deterministicId,
} from '@ticketaka/common';
import { isInOutbox, lockOrder, transitionOrder } from '../data-access/order.repository';

import { orderCompletedEvent } from './order-events';
import { decidePayment } from './order-status';

type PaymentSucceeded = EventOf<typeof paymentsEvents.paymentSucceeded>;

/**
 * A payment succeeded. An order still awaiting payment completes (tickets then sells the
 * hold and issues the tickets). A payment the order can no longer take — expired,
 * cancelled, already paid by another payment, wrong amount or payer — is announced as
 * orders.order.payment-rejected so payments refunds it. A repeated payment changes nothing.
 */
export async function applyPaymentSucceeded(
  runtime: ServiceRuntime,
  client: PoolClient,
  event: PaymentSucceeded,
): Promise<void> {
  const payment = event.data;
  const locked = await lockOrder(client, payment.orderId);
  // Payments only charges orders it learned from us, so an unknown order is a bug upstream:
  // failing sends it to the dead-letter subject where an operator sees it.
  if (!locked) throw new Error(`payment ${payment.id} names unknown order ${payment.orderId}`);
  const { order } = locked;
  const decision = decidePayment(order, {
    paymentId: payment.id,
    userId: payment.userId,
    amountCents: payment.amountCents,
    currency: payment.currency,
  });
  switch (decision.action) {
    case 'complete': {
      const completed = await transitionOrder(client, order, 'complete', { paymentId: payment.id });
      await appendToOutbox(client, runtime.schema, [orderCompletedEvent(completed, payment.id)]);
      runtime.logger.info({ orderId: order.id, paymentId: payment.id }, 'order complete');
      return;
    }
    case 'duplicate':
      return;
    case 'retry_later':
      throw new RetryLaterError(`order ${order.id} is not awaiting payment yet`);
    case 'reject': {
      // The id is derived from order and payment, so a payment announced twice (even under
      // two event ids) is rejected, and refunded, once.
      const id = deterministicId('payment-rejected', order.id, payment.id);
      if (await isInOutbox(client, id)) return;
      await appendToOutbox(client, runtime.schema, [
        ordersEvents.orderPaymentRejected.create(
          {
            orderId: order.id,
            paymentId: payment.id,
            orderStatus: order.status,
            reason: decision.reason,
          },
          { id },
        ),
      ]);
      runtime.logger.warn(
        { orderId: order.id, paymentId: payment.id, reason: decision.reason },
        'payment rejected; payments will refund it',
      );
      return;
    }
  }
}
