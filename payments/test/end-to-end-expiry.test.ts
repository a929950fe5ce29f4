import { ordersEvents, paymentsEvents } from '@ticketaka/common';
import { eventually, readSubject, sleep } from '@ticketaka/common/testing';
import {
  CARDS,
  eventsFor,
  pay,
  paymentOf,
  sandboxCharges,
  sandboxRefunds,
} from './support/payments';
import {
  counts,
  orderOf,
  placeOrder,
  startPlatform,
  ticketsOf,
  type Platform,
} from './support/platform';

/**
 * Orders lock for 3 s here, and the sandbox's confirmations arrive 7 s after the charge (as a
 * slow Stripe webhook would), so a payment can succeed after its order has expired.
 */
let p: Platform;

beforeAll(async () => {
  p = await startPlatform('payments-e2e-expiry', {
    ORDER_LOCK_SECONDS: '3',
    SANDBOX_WEBHOOK_DELAY_MS: '7000',
  });
});
afterAll(async () => p?.close());

const holdOf = async (orderId: string) =>
  (await p.tickets.runtime.pool.query('SELECT status FROM holds WHERE order_id = $1', [orderId]))
    .rows[0]?.status as string | undefined;

test('when a card is declined, then the order stays payable until it expires, and after that paying it is refused with 409 and its hold is released', async () => {
  const fan = p.fan();
  const before = await counts(p, 21, 2);
  const order = await placeOrder(p, fan, { matchNumber: 21, category: 2, quantity: 2 });
  expect((await pay(p.payments, fan, { orderId: order.id, card: CARDS.declined })).status).toBe(
    402,
  );
  expect((await orderOf(p, fan, order.id)).status).toBe('awaiting_payment');

  await eventually(
    async () => expect((await orderOf(p, fan, order.id)).status).toBe('expired'),
    15_000,
  );
  await eventually(async () => {
    const late = await pay(p.payments, fan, { orderId: order.id, card: CARDS.succeeds });
    expect(late.status).toBe(409);
    expect(late.body.errors[0].code).toBe('order_expired');
  });
  expect(await sandboxCharges(p.payments, order.id)).toEqual({ succeeded: 0, declined: 1 });
  await eventually(async () => expect(await counts(p, 21, 2)).toEqual(before));
  expect(await holdOf(order.id)).toBe('released');
});

test('when the payment succeeds after the order expired (payments already knew), then it is refunded with the reason shown, the hold stays released and no ticket is issued', async () => {
  const fan = p.fan();
  const before = await counts(p, 22, 1);
  const order = await placeOrder(p, fan, { matchNumber: 22, category: 1, quantity: 2 });
  expect((await pay(p.payments, fan, { orderId: order.id, card: CARDS.succeeds })).status).toBe(
    202,
  );
  expect(await sandboxCharges(p.payments, order.id)).toEqual({ succeeded: 1, declined: 0 });

  await eventually(
    async () => expect((await orderOf(p, fan, order.id)).status).toBe('expired'),
    15_000,
  );
  await eventually(
    async () =>
      expect((await paymentOf(p.payments, fan, order.id)).body.payment.status).toBe('refunded'),
    20_000,
  );
  const { body } = await paymentOf(p.payments, fan, order.id);
  expect(body.payment.refund).toMatchObject({
    status: 'refunded',
    code: 'order_expired',
    reason: expect.stringContaining('expired'),
  });
  expect(await sandboxRefunds(p.payments, order.id)).toEqual([{ amount_cents: order.amountCents }]);
  expect(await eventsFor(p.payments, paymentsEvents.paymentSucceeded.type, order.id)).toHaveLength(
    0,
  );

  await sleep(500);
  expect((await orderOf(p, fan, order.id)).status).toBe('expired');
  expect(await holdOf(order.id)).toBe('released');
  expect(await ticketsOf(p, fan, order.id)).toHaveLength(0);
  expect(await counts(p, 22, 1)).toEqual(before);
}, 40_000);

test('when the payment succeeds after the order expired but payments had not heard yet, then orders rejects it and payments refunds it, with no ticket issued', async () => {
  const fan = p.fan();
  const before = await counts(p, 23, 3);
  const order = await placeOrder(p, fan, { matchNumber: 23, category: 3, quantity: 1 });
  expect((await pay(p.payments, fan, { orderId: order.id, card: CARDS.succeeds })).status).toBe(
    202,
  );

  // Holds payments' copy of the order still, so the expiry reaches it only after the payment.
  const blocker = await p.payments.runtime.pool.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [order.id]);
    await eventually(
      async () => expect((await orderOf(p, fan, order.id)).status).toBe('expired'),
      15_000,
    );
    await eventually(
      async () =>
        expect((await paymentOf(p.payments, fan, order.id)).body.payment.status).toBe('refunded'),
      20_000,
    );
  } finally {
    await blocker.query('ROLLBACK');
    blocker.release();
  }
  const { body } = await paymentOf(p.payments, fan, order.id);
  expect(body.payment.refund).toMatchObject({ status: 'refunded', code: 'order_expired' });
  // This time the success was announced, and orders answered with a rejection.
  expect(await eventsFor(p.payments, paymentsEvents.paymentSucceeded.type, order.id)).toHaveLength(
    1,
  );
  const rejections = (
    await readSubject<{ data: { orderId: string } }>(
      p.orders.runtime.bus,
      ordersEvents.orderPaymentRejected.type,
    )
  ).filter((e) => e.data.orderId === order.id);
  expect(rejections).toHaveLength(1);
  await eventually(async () =>
    expect(await eventsFor(p.payments, paymentsEvents.paymentRefunded.type, order.id)).toHaveLength(
      1,
    ),
  );
  expect(await sandboxRefunds(p.payments, order.id)).toHaveLength(1);
  expect(await ticketsOf(p, fan, order.id)).toHaveLength(0);
  expect(await holdOf(order.id)).toBe('released');
  expect(await counts(p, 23, 3)).toEqual(before);
}, 40_000);
