import {
  inTransaction,
  ordersEvents,
  type EventOf,
  type PoolClient,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { NotificationsConfig } from '../config';
import { claimDueHoldReminders, scheduleHoldReminder } from '../data-access/reminder.repository';
import { matchFacts } from '../data-access/schedule.repository';
import { templates } from './mail-templates';
import { notify } from './notify';

type Runtime = ServiceRuntime<NotificationsConfig>;

/** An order awaits payment: its warning is due a few minutes before the lock runs out. */
export async function scheduleHoldWarning(
  tx: PoolClient,
  runtime: Runtime,
  order: EventOf<typeof ordersEvents.orderCreated>['data'],
) {
  const expiresAt = new Date(order.expiresAt);
  const remindAt = new Date(expiresAt.getTime() - runtime.config.HOLD_WARNING_MINUTES * 60_000);
  await scheduleHoldReminder(tx, {
    orderId: order.id,
    userId: order.userId,
    matchNumber: order.matchNumber,
    expiresAt,
    remindAt,
  });
}

/** Sends the warnings that are due; each reminder is claimed and told in one transaction. */
export async function sendDueHoldWarnings(runtime: Runtime): Promise<number> {
  return inTransaction(runtime.pool, async (tx) => {
    const due = await claimDueHoldReminders(tx, 100);
    for (const reminder of due) {
      // A warning that would arrive after the hold ended is not worth sending.
      if (reminder.expiresAt.getTime() <= Date.now()) continue;
      const minutes = Math.max(1, Math.round((reminder.expiresAt.getTime() - Date.now()) / 60_000));
      await notify(
        tx,
        { schema: runtime.schema, publicUrl: runtime.config.PUBLIC_URL },
        {
          userId: reminder.userId,
          kind: 'hold_ending',
          dedupeKey: `hold_ending:${reminder.orderId}`,
          rendered: templates.hold_ending({
            match: await matchFacts(tx, reminder.matchNumber),
            minutes,
            expiresAt: reminder.expiresAt.toISOString(),
          }),
        },
      );
    }
    return due.length;
  });
}
