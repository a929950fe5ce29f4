import {
  authEvents,
  ordersEvents,
  paymentsEvents,
  ticketsEvents,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { NotificationsConfig } from '../../config';
import { upsertRecipient } from '../../data-access/recipient.repository';
import { cancelHoldReminder } from '../../data-access/reminder.repository';
import { alertSeatsBack } from '../../domain/follow-alerts.use-case';
import { scheduleHoldWarning } from '../../domain/hold-reminders.use-case';
import {
  confirmOrder,
  holdExpired,
  paymentDeclined,
  refundIssued,
} from '../../domain/order-notices.use-case';
import { resaleSold, ticketReceived } from '../../domain/resale-notices.use-case';

/**
 * Every event notifications listens to. Handlers with a transaction run in the inbox
 * (each event applied once); the two that must ask tickets first de-duplicate by their
 * notification's key instead. After a commit the mail dispatcher is woken.
 */
export async function consumeFanEvents(
  runtime: ServiceRuntime<NotificationsConfig>,
  wakeDispatcher: () => void,
) {
  const afterCommit = () => wakeDispatcher();
  await runtime.consume(authEvents.userCreated, (e, tx) =>
    upsertRecipient(tx, {
      userId: e.data.id,
      email: e.data.email,
      displayName: e.data.displayName,
      version: e.data.version,
    }),
  );
  await runtime.consume(ordersEvents.orderCreated, (e, tx) =>
    scheduleHoldWarning(tx, runtime, e.data),
  );
  await runtime.consume(ordersEvents.orderCancelled, (e, tx) => cancelHoldReminder(tx, e.data.id));
  await runtime.consume(ordersEvents.orderExpired, (e, tx) => holdExpired(tx, runtime, e.data), {
    afterCommit,
  });
  await runtime.consume(
    ordersEvents.orderCompleted,
    async (e) => {
      await confirmOrder(runtime, e);
      wakeDispatcher();
    },
    { inbox: false },
  );
  await runtime.consume(
    paymentsEvents.paymentFailed,
    (e, tx) => paymentDeclined(tx, runtime, e.data),
    {
      afterCommit,
    },
  );
  await runtime.consume(
    paymentsEvents.paymentRefunded,
    (e, tx) => refundIssued(tx, runtime, e.data),
    {
      afterCommit,
    },
  );
  await runtime.consume(ticketsEvents.listingSold, (e, tx) => resaleSold(tx, runtime, e.data), {
    afterCommit,
  });
  await runtime.consume(
    ticketsEvents.ticketStatusChanged,
    (e, tx) => ticketReceived(tx, runtime, e.data),
    { afterCommit },
  );
  await runtime.consume(
    ticketsEvents.inventoryChanged,
    async (e) => {
      if ((await alertSeatsBack(runtime, e)) > 0) wakeDispatcher();
    },
    { inbox: false },
  );
}
