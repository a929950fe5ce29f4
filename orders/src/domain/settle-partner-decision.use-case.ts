import { appendToOutbox, type PoolClient, type ServiceRuntime } from '@ticketaka/common';
import type { OrdersConfig } from '../config';
import { lockOrder, transitionOrder } from '../data-access/order.repository';
import { orderCancelledEvent, orderCreatedEvent } from './order-events';

type Runtime = ServiceRuntime<OrdersConfig>;

/**
 * The partner log confirmed the hold (tickets.hold.confirmed): the order becomes payable now,
 * and its 15-minute lock starts now. Anything else (already payable, ended) is a repeat.
 */
export async function settleHoldConfirmed(
  runtime: Runtime,
  client: PoolClient,
  orderId: string,
): Promise<void> {
  const locked = await lockOrder(client, orderId);
  const order = locked?.order;
  if (!order || order.status !== 'created' || !order.holdTentative) return;
  const awaiting = await transitionOrder(client, order, 'awaiting_payment', {
    lockSeconds: runtime.config.ORDER_LOCK_SECONDS,
  });
  await appendToOutbox(client, runtime.schema, [orderCreatedEvent(awaiting)]);
  runtime.logger.info({ orderId }, 'partner log confirmed the hold; order awaiting payment');
}

/**
 * Tickets released the hold of an order that is still live. Orders' own cancellations and
 * expiries end the order before tickets releases, so this only happens when the seats were
 * taken from us: the partner log voided the hold (another platform was first). The order
 * can no longer be paid for, so it is cancelled with the reason the fan will see.
 */
export async function settleHoldReleased(
  runtime: Runtime,
  client: PoolClient,
  orderId: string,
): Promise<void> {
  const locked = await lockOrder(client, orderId);
  const order = locked?.order;
  if (!order || (order.status !== 'created' && order.status !== 'awaiting_payment')) return;
  const reason = runtime.config.PARTNER_SYNC ? 'sold_on_another_platform' : 'hold_released';
  const cancelled = await transitionOrder(client, order, 'cancelled', { cancelReason: reason });
  await appendToOutbox(client, runtime.schema, [orderCancelledEvent(cancelled, reason)]);
  runtime.logger.warn({ orderId, reason }, 'order cancelled: its hold was released');
}
