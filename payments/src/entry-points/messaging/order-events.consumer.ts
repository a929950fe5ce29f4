import { ordersEvents } from '@ticketaka/common';
import { projectOrder } from '../../domain/project-order.use-case';
import { refundRejectedPayment } from '../../domain/refund-rejected-payment.use-case';
import type { PaymentsContext } from '../../domain/payments-context';

/** Payments' copy of orders, and the refunds orders asks for. */
export async function consumeOrderEvents(ctx: PaymentsContext): Promise<void> {
  const { runtime } = ctx;
  await runtime.consume(
    [
      ordersEvents.orderCreated,
      ordersEvents.orderCancelled,
      ordersEvents.orderExpired,
      ordersEvents.orderCompleted,
    ],
    (event, tx) => projectOrder(tx, event),
  );
  await runtime.consume(
    ordersEvents.orderPaymentRejected,
    (event, tx) => refundRejectedPayment(ctx, tx, event),
    { afterCommit: (_event, due) => (due ? ctx.refunds.kick() : undefined) },
  );
}
