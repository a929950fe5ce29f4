import { ConflictError } from '@ticketaka/common';
import type { ProjectedOrder } from '../data-access/order-projection.repository';

/** An order can be paid while it holds its tickets: created or awaiting payment, before its deadline. */
export function assertPayable(order: ProjectedOrder, now: Date): void {
  switch (order.status) {
    case 'complete':
      throw new ConflictError('This order is already paid', 'order_complete');
    case 'cancelled':
      throw new ConflictError(
        'This order was cancelled and can no longer be paid',
        'order_cancelled',
      );
    case 'expired':
      throw new ConflictError('This order expired and its tickets were released', 'order_expired');
    case 'created':
    case 'awaiting_payment':
      if (order.expiresAt.getTime() <= now.getTime()) {
        throw new ConflictError(
          'This order expired and its tickets were released',
          'order_expired',
        );
      }
      return;
    default: {
      const unknown: never = order.status;
      throw new Error(`unknown order status ${String(unknown)}`);
    }
  }
}

/** Orders that are over: a payment that arrives for one of them is refunded. */
export const isOver = (order: ProjectedOrder | undefined) =>
  order?.status === 'expired' || order?.status === 'cancelled';

/** Why the fan got the money back, in words they can read on the payment page. */
export function refundReasonFor(
  orderStatus: string,
  rejection?: string,
): { code: string; reason: string } {
  if (orderStatus === 'expired' || rejection === 'order_expired') {
    return {
      code: 'order_expired',
      reason:
        'The payment arrived after the order had expired and its tickets were released, so it was refunded in full.',
    };
  }
  if (orderStatus === 'cancelled' || rejection === 'order_cancelled') {
    return {
      code: 'order_cancelled',
      reason: 'The payment arrived after the order was cancelled, so it was refunded in full.',
    };
  }
  switch (rejection) {
    case 'already_paid':
      return {
        code: 'already_paid',
        reason: 'The order had already been paid, so this payment was refunded in full.',
      };
    case 'amount_mismatch':
      return {
        code: 'amount_mismatch',
        reason: 'The amount paid did not match the order, so it was refunded in full.',
      };
    case 'wrong_payer':
      return {
        code: 'wrong_payer',
        reason: "The payment did not come from the order's owner, so it was refunded in full.",
      };
    default:
      return {
        code: 'order_not_payable',
        reason: `The order could not accept this payment${rejection ? ` (${rejection})` : ''}, so it was refunded in full.`,
      };
  }
}
