import {
  appendToOutbox,
  inTransaction,
  type CurrentUser,
  type ServiceRuntime,
} from '@ticketaka/common';
import { lockOrder, transitionOrder, type OrderRecord } from '../data-access/order.repository';
import { orderNotFound } from './order-errors';
import { orderCancelledEvent } from './order-events';
import { decideCancel } from './order-status';
import { canSee } from './read-orders.use-case';

/**
 * Cancels an unpaid order; tickets releases the hold when it sees orders.order.cancelled.
 * Cancelling a cancelled order changes nothing and answers it again; a paid or expired
 * order is refused (409).
 */
export async function cancelOrder(
  runtime: ServiceRuntime,
  user: CurrentUser,
  orderId: string,
): Promise<OrderRecord> {
  return inTransaction(runtime.pool, async (client) => {
    const locked = await lockOrder(client, orderId);
    if (!locked || !canSee(user, locked.order)) throw orderNotFound();
    const { order } = locked;
    if (decideCancel(order.status) === 'already_cancelled') return order;
    const reason = order.userId === user.id ? 'cancelled_by_fan' : 'cancelled_by_admin';
    const cancelled = await transitionOrder(client, order, 'cancelled', { cancelReason: reason });
    await appendToOutbox(client, runtime.schema, [orderCancelledEvent(cancelled, reason)]);
    runtime.logger.info({ orderId, reason }, 'order cancelled');
    return cancelled;
  });
}
