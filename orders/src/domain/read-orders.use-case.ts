import type { CurrentUser, ServiceRuntime } from '@ticketaka/common';
import { findOrder, listOrders, type OrderRecord } from '../data-access/order.repository';
import { orderNotFound } from './order-errors';
import type { OrderStatus } from './order-status';

export const canSee = (user: CurrentUser, order: OrderRecord) =>
  user.role === 'admin' || order.userId === user.id;

export async function getOrder(
  runtime: ServiceRuntime,
  user: CurrentUser,
  id: string,
): Promise<OrderRecord> {
  const order = await findOrder(runtime.pool, id);
  if (!order || !canSee(user, order)) throw orderNotFound();
  return order;
}

/** A fan sees their own orders, newest first; an admin sees everyone's. */
export function getOrders(
  runtime: ServiceRuntime,
  user: CurrentUser,
  query: { status?: OrderStatus; limit: number },
): Promise<OrderRecord[]> {
  return listOrders(runtime.pool, {
    ...query,
    userId: user.role === 'admin' ? undefined : user.id,
  });
}
