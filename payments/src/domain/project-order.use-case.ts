import { RetryLaterError, type EventEnvelope, type PoolClient } from '@ticketaka/common';
import {
  findOrder,
  insertOrder,
  replaceOrder,
  type ProjectedOrder,
} from '../data-access/order-projection.repository';

/** The order fields every orders.order.* lifecycle event carries. */
interface OrderSnapshot {
  id: string;
  userId: string;
  amountCents: number;
  currency: string;
  status: ProjectedOrder['status'];
  expiresAt: string;
  version: number;
}

/**
 * Keeps payments' copy of an order in version order: an older or repeated version changes
 * nothing; one that skips a version waits (the bus redelivers it) until the missing one
 * has been applied, so the copy never jumps over a state.
 *
 * The first event seen for an order is taken as it is: every order event carries the whole
 * order, and orders never announces its first version (an order whose hold is not yet
 * confirmed), so an order cancelled before it was ever payable arrives as a lone
 * `cancelled` and a late `created` after its ending is simply older.
 * Runs inside the consumer's inbox transaction, so a redelivered event changes nothing.
 */
export async function projectOrder(
  client: PoolClient,
  event: EventEnvelope<string, OrderSnapshot>,
) {
  const data = event.data;
  const next: ProjectedOrder = {
    id: data.id,
    userId: data.userId,
    amountCents: data.amountCents,
    currency: data.currency,
    status: data.status,
    expiresAt: new Date(data.expiresAt),
    version: data.version,
  };
  const current = await findOrder(client, data.id, 'for update');
  if (!current) {
    if (await insertOrder(client, next)) return;
    // A concurrent delivery inserted it; compare with what is there now.
    return projectOnto(client, (await findOrder(client, data.id, 'for update'))!, next, event.type);
  }
  return projectOnto(client, current, next, event.type);
}

async function projectOnto(
  client: Parameters<typeof replaceOrder>[0],
  current: ProjectedOrder,
  next: ProjectedOrder,
  type: string,
) {
  if (next.version <= current.version) return;
  if (next.version > current.version + 1) {
    throw new RetryLaterError(
      `order ${next.id} v${next.version} (${type}) arrived before v${current.version + 1}`,
    );
  }
  await replaceOrder(client, next);
}
