import { ordersEvents, type EventBus } from '@ticketaka/common';
import { projectOrder } from '../../domain/project-order.use-case';
import { refundRejectedPayment } from '../../domain/refund-rejected-payment.use-case';
import type { PaymentsContext } from '../../domain/payments-context';

const CONSUMER = 'payments';

/** Payments' copy of orders, and the refunds orders asks for. */
export async function subscribeToOrderEvents(bus: EventBus, ctx: PaymentsContext): Promise<void> {
  await bus.subscribe({
    consumer: CONSUMER,
    event: ordersEvents.orderCreated,
    handler: (event) => projectOrder(ctx, event),
  });
  await bus.subscribe({
    consumer: CONSUMER,
    event: ordersEvents.orderCancelled,
    handler: (event) => projectOrder(ctx, event),
  });
  await bus.subscribe({
    consumer: CONSUMER,
    event: ordersEvents.orderExpired,
    handler: (event) => projectOrder(ctx, event),
  });
  await bus.subscribe({
    consumer: CONSUMER,
    event: ordersEvents.orderCompleted,
    handler: (event) => projectOrder(ctx, event),
  });
  await bus.subscribe({
    consumer: CONSUMER,
    event: ordersEvents.orderPaymentRejected,
    handler: (event) => refundRejectedPayment(ctx, event),
  });
}
