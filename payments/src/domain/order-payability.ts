import { ConflictError } from '@ticketaka/common';
import type { ProjectedOrder } from '../data-access/order-projection.repository';

/** An order can be paid while it holds its tickets: created or awaiting payment, before its deadline. */
export function assertPayable(order: ProjectedOrder, now: Date): void {
  switch (order.status) {
    case 'complete':
      throw new ConflictError('This order is already paid', 'order_complete');
    case 'cancelled':
      throw new ConflictError('This order was cancelled and can no longer be paid', 'order_cancelled');
    case 'expired':
      throw new ConflictError('This order expired and its tickets were released', 'order_expired');
    case 'created':
    case 'awaiting_payment':
      if (order.expiresAt.getTime() <= now.getTime()) {
        throw new ConflictError('This order expired and its tickets were released', 'order_expired');
      }
      return;
    default: {
      const unknown: never = order.status;
      throw new Error(`unknown order status ${String(unknown)}`);
    }
  }
}

/** Orders that are over: a payment that arrives for one of them is refunded. */
export const isOver = (order: ProjectedOrder | undefined) => order?.status === 'expired' || order?.status === 'cancelled';

/** Why the fan got the money back, in words they can read on the payment page. */
export function refundReasonFor(orderStatus: string, detail?: string): { code: string; reason: string } {
  switch (orderStatus) {
    case 'expired':
      return {
        code: 'order_expired',
        reason: 'The payment arrived after the order had expired and its tickets were released, so it was refunded in full.',
      };
    case 'cancelled':
      return { code: 'order_cancelled', reason: 'The payment arrived after the order was cancelled, so it was refunded in full.' };
    default:
      return {
        code: 'order_not_payable',
        reason: `The order could not accept this payment${detail ? ` (${detail})` : ''}, so it was refunded in full.`,
      };
  }
}
