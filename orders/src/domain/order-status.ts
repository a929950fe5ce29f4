import { ConflictError, ordersEvents } from '@ticketaka/common';

export type OrderStatus = ordersEvents.OrderStatus;
export const orderStatusSchema = ordersEvents.orderStatus;

/**
 * The order's life, and the only place that says which moves exist:
 * created → awaiting_payment → complete, or cancelled / expired. The three ends are final.
 * A `created` order has no confirmed hold yet, so it cannot expire; it is cancelled instead.
 */
const next: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  created: ['awaiting_payment', 'cancelled'],
  awaiting_payment: ['complete', 'cancelled', 'expired'],
  complete: [],
  cancelled: [],
  expired: [],
};

export class IllegalTransitionError extends ConflictError {
  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(
      `An order that is ${from.replace('_', ' ')} cannot become ${to.replace('_', ' ')}`,
      'illegal_transition',
    );
    this.name = 'IllegalTransitionError';
  }
}

export const canTransition = (from: OrderStatus, to: OrderStatus): boolean =>
  next[from].includes(to);

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

export const isFinal = (status: OrderStatus): boolean => next[status].length === 0;

/** Orders whose tickets count against the per-fan limit: held, being held, or bought. */
export const countedTowardFanLimit: readonly OrderStatus[] = [
  'created',
  'awaiting_payment',
  'complete',
];

/** What a fan's cancel request does to an order in each status. */
export type CancelDecision = 'cancel' | 'already_cancelled';

export function decideCancel(status: OrderStatus): CancelDecision {
  switch (status) {
    case 'created':
    case 'awaiting_payment':
      return 'cancel';
    case 'cancelled':
      return 'already_cancelled';
    case 'complete':
      throw new ConflictError('A paid order cannot be cancelled', 'order_not_cancellable', [
        { message: 'A paid order cannot be cancelled' },
      ]);
    case 'expired':
      throw new ConflictError(
        'This order has already expired and its tickets were released',
        'order_not_cancellable',
      );
    default:
      return assertNever(status);
  }
}

/** How far a timer may run ahead of the database clock and still be trusted. */
export const EXPIRY_CLOCK_TOLERANCE_MS = 2000;

export type ExpiryDecision = 'expire' | 'not_due' | 'nothing_to_do';

/** An expiry (timer or sweeper) applies only to an unpaid order whose deadline has passed. */
export function decideExpiry(
  order: { status: OrderStatus; expiresAt: Date },
  now: Date,
): ExpiryDecision {
  if (order.status !== 'awaiting_payment') return 'nothing_to_do';
  return order.expiresAt.getTime() - now.getTime() <= EXPIRY_CLOCK_TOLERANCE_MS
    ? 'expire'
    : 'not_due';
}

export interface PaymentFacts {
  paymentId: string;
  userId: string;
  amountCents: number;
  currency: string;
}

export type PaymentDecision =
  | { action: 'complete' }
  | { action: 'duplicate' }
  | { action: 'reject'; reason: PaymentRejection }
  | { action: 'retry_later' };

export type PaymentRejection =
  'order_expired' | 'order_cancelled' | 'already_paid' | 'amount_mismatch' | 'wrong_payer';

/**
 * A succeeded payment completes an order that is still awaiting payment, even if its
 * deadline has just passed: the hold is only released once the order is marked expired,
 * so until then the tickets are still there to sell. Anything else is refunded.
 */
export function decidePayment(
  order: {
    status: OrderStatus;
    userId: string;
    amountCents: number;
    currency: string;
    paymentId: string | null;
  },
  payment: PaymentFacts,
): PaymentDecision {
  switch (order.status) {
    case 'created':
      // Payments cannot know an amount before the order is awaiting payment; wait for it.
      return { action: 'retry_later' };
    case 'awaiting_payment':
      if (payment.userId !== order.userId) return { action: 'reject', reason: 'wrong_payer' };
      if (payment.amountCents !== order.amountCents || payment.currency !== order.currency) {
        return { action: 'reject', reason: 'amount_mismatch' };
      }
      return { action: 'complete' };
    case 'complete':
      return order.paymentId === payment.paymentId
        ? { action: 'duplicate' }
        : { action: 'reject', reason: 'already_paid' };
    case 'expired':
      return { action: 'reject', reason: 'order_expired' };
    case 'cancelled':
      return { action: 'reject', reason: 'order_cancelled' };
    default:
      return assertNever(order.status);
  }
}

function assertNever(value: never): never {
  throw new Error(`Unknown order status ${String(value)}`);
}
