import {
  E_TICKETS_SUBJECT,
  eTicketsResponseSchema,
  inTransaction,
  ordersEvents,
  paymentsEvents,
  RetryLaterError,
  type EventOf,
  type PoolClient,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { NotificationsConfig } from '../config';
import { notificationExists } from '../data-access/notification.repository';
import { findRecipient } from '../data-access/recipient.repository';
import { cancelHoldReminder } from '../data-access/reminder.repository';
import { matchFacts } from '../data-access/schedule.repository';
import { templates } from './mail-templates';
import { notify } from './notify';

type Runtime = ServiceRuntime<NotificationsConfig>;
const deps = (runtime: Runtime) => ({
  schema: runtime.schema,
  publicUrl: runtime.config.PUBLIC_URL,
});

/**
 * Order confirmed, with the PDF tickets attached. The PDFs come from tickets over
 * request/reply before any transaction opens (no connection is held across the call); the
 * dedupe key makes a redelivered completion change nothing. Until tickets has issued the
 * order's tickets the event is retried.
 */
export async function confirmOrder(
  runtime: Runtime,
  event: EventOf<typeof ordersEvents.orderCompleted>,
): Promise<'notified' | 'already_told'> {
  const order = event.data;
  const dedupeKey = `order_confirmed:${order.id}`;
  await inTransaction(runtime.pool, (tx) => cancelHoldReminder(tx, order.id));
  if (await notificationExists(runtime.pool, dedupeKey)) return 'already_told';
  const recipient = await findRecipient(runtime.pool, order.userId);
  if (!recipient) throw new RetryLaterError(`no recipient ${order.userId} yet`);
  const { tickets } = await runtime.bus.request(
    E_TICKETS_SUBJECT,
    {
      orderId: order.id,
      ticketId: order.ticketId,
      ownerId: order.userId,
      holderName: recipient.displayName,
    },
    eTicketsResponseSchema,
    15_000,
  );
  if (tickets.length === 0)
    throw new RetryLaterError(`tickets of order ${order.id} not issued yet`);
  return inTransaction(runtime.pool, async (tx) =>
    notify(tx, deps(runtime), {
      userId: order.userId,
      kind: 'order_confirmed',
      dedupeKey,
      rendered: templates.order_confirmed({
        match: await matchFacts(tx, order.matchNumber),
        quantity: order.quantity,
        category: order.category,
        amountCents: order.amountCents,
        currency: order.currency,
      }),
      attachments: tickets.map((t, i) => ({
        filename: `ticket-${order.matchNumber}-${i + 1}.pdf`,
        contentType: 'application/pdf',
        contentBase64: t.pdfBase64,
      })),
    }),
  );
}

export async function holdExpired(
  tx: PoolClient,
  runtime: Runtime,
  order: EventOf<typeof ordersEvents.orderExpired>['data'],
) {
  await cancelHoldReminder(tx, order.id);
  return notify(tx, deps(runtime), {
    userId: order.userId,
    kind: 'hold_expired',
    dedupeKey: `hold_expired:${order.id}`,
    rendered: templates.hold_expired({ match: await matchFacts(tx, order.matchNumber) }),
  });
}

export async function paymentDeclined(
  tx: PoolClient,
  runtime: Runtime,
  payment: EventOf<typeof paymentsEvents.paymentFailed>['data'],
) {
  return notify(tx, deps(runtime), {
    userId: payment.userId,
    kind: 'payment_declined',
    dedupeKey: `payment_declined:${payment.id}:${payment.version}`,
    rendered: templates.payment_declined(payment),
  });
}

export async function refundIssued(
  tx: PoolClient,
  runtime: Runtime,
  payment: EventOf<typeof paymentsEvents.paymentRefunded>['data'],
) {
  return notify(tx, deps(runtime), {
    userId: payment.userId,
    kind: 'refund_issued',
    dedupeKey: `refund_issued:${payment.id}`,
    rendered: templates.refund_issued(payment),
  });
}
