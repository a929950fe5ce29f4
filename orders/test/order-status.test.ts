import {
  assertTransition,
  canTransition,
  decideCancel,
  decideExpiry,
  decidePayment,
  IllegalTransitionError,
  isFinal,
  type OrderStatus,
} from '../src/domain/order-status';

const statuses: OrderStatus[] = ['created', 'awaiting_payment', 'complete', 'cancelled', 'expired'];
const allowed = new Set([
  'created>awaiting_payment',
  'created>cancelled',
  'awaiting_payment>complete',
  'awaiting_payment>cancelled',
  'awaiting_payment>expired',
]);

describe('the order status machine', () => {
  test.each(statuses.flatMap((from) => statuses.map((to) => [from, to] as const)))(
    'when an order that is %s is asked to become %s, then only the moves of the machine are allowed',
    (from, to) => {
      const legal = allowed.has(`${from}>${to}`);
      expect(canTransition(from, to)).toBe(legal);
      if (legal) expect(() => assertTransition(from, to)).not.toThrow();
      else expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
    },
  );

  test('when an illegal move is refused, then the error is a 409 illegal_transition naming both statuses', () => {
    try {
      assertTransition('complete', 'expired');
      throw new Error('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(IllegalTransitionError);
      expect(error).toMatchObject({
        status: 409,
        code: 'illegal_transition',
        from: 'complete',
        to: 'expired',
      });
    }
  });

  test('when an order is complete, cancelled or expired, then it is final', () => {
    expect(statuses.filter(isFinal)).toEqual(['complete', 'cancelled', 'expired']);
  });
});

describe('cancel decisions', () => {
  test('when an unpaid order is cancelled, then it is cancelled; when already cancelled, then nothing changes', () => {
    expect(decideCancel('created')).toBe('cancel');
    expect(decideCancel('awaiting_payment')).toBe('cancel');
    expect(decideCancel('cancelled')).toBe('already_cancelled');
  });

  test.each(['complete', 'expired'] as const)(
    'when a %s order is cancelled, then it is refused with 409',
    (status) => {
      expect(() => decideCancel(status)).toThrow(
        expect.objectContaining({ status: 409, code: 'order_not_cancellable' }),
      );
    },
  );
});

describe('expiry decisions', () => {
  const now = new Date('2026-06-11T12:00:00Z');
  const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

  test('when an unpaid order is past its deadline, then it expires', () => {
    expect(decideExpiry({ status: 'awaiting_payment', expiresAt: at(-1) }, now)).toBe('expire');
  });
  test('when a timer fires slightly early (clock skew within tolerance), then it is trusted', () => {
    expect(decideExpiry({ status: 'awaiting_payment', expiresAt: at(1500) }, now)).toBe('expire');
  });
  test('when a timer fires long before the deadline, then it is not due yet', () => {
    expect(decideExpiry({ status: 'awaiting_payment', expiresAt: at(60_000) }, now)).toBe(
      'not_due',
    );
  });
  test.each(['created', 'complete', 'cancelled', 'expired'] as const)(
    'when the order is %s, then expiry does nothing',
    (status) => {
      expect(decideExpiry({ status, expiresAt: at(-60_000) }, now)).toBe('nothing_to_do');
    },
  );
});

describe('payment decisions', () => {
  const order = {
    status: 'awaiting_payment' as OrderStatus,
    userId: 'u1',
    amountCents: 15000,
    currency: 'USD',
    paymentId: null,
  };
  const payment = { paymentId: 'p1', userId: 'u1', amountCents: 15000, currency: 'USD' };

  test('when the exact amount is paid by the buyer while the order awaits payment, then it completes', () => {
    expect(decidePayment(order, payment)).toEqual({ action: 'complete' });
  });
  test('when the same payment arrives for the completed order, then it is a duplicate', () => {
    expect(decidePayment({ ...order, status: 'complete', paymentId: 'p1' }, payment)).toEqual({
      action: 'duplicate',
    });
  });
  test.each([
    [
      'a second payment for a paid order',
      'already_paid',
      { ...order, status: 'complete' as const, paymentId: 'p0' },
      payment,
    ],
    ['an expired order', 'order_expired', { ...order, status: 'expired' as const }, payment],
    ['a cancelled order', 'order_cancelled', { ...order, status: 'cancelled' as const }, payment],
    ['a different amount', 'amount_mismatch', order, { ...payment, amountCents: 100 }],
    ['a different currency', 'amount_mismatch', order, { ...payment, currency: 'EUR' }],
    ['another payer', 'wrong_payer', order, { ...payment, userId: 'u2' }],
  ])(
    'when a payment arrives for %s, then it is rejected (refunded) as %s',
    (_name, reason, o, p) => {
      expect(decidePayment(o, p)).toEqual({ action: 'reject', reason });
    },
  );
  test('when a payment arrives before the hold is confirmed, then it waits', () => {
    expect(decidePayment({ ...order, status: 'created' }, payment)).toEqual({
      action: 'retry_later',
    });
  });
});
