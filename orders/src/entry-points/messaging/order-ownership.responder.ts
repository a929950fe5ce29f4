import {
  ORDER_OWNERSHIP_SUBJECT,
  orderOwnershipRequestSchema,
  type ServiceRuntime,
} from '@ticketaka/common';
import { isOrderOwnedBy } from '../../data-access/order.repository';

/** Payments asks before it waits for an order it has not heard of (NATS request/reply). */
export function serveOrderOwnership(runtime: ServiceRuntime): void {
  runtime.bus.reply(ORDER_OWNERSHIP_SUBJECT, orderOwnershipRequestSchema, async (request) => ({
    owned: await isOrderOwnedBy(runtime.pool, request.orderId, request.userId),
  }));
}
