import { randomUUID } from 'node:crypto';
import { paymentsEvents } from '@ticketaka/common';
import { eventually, sleep } from '@ticketaka/common/testing';
import { CARDS, eventsFor, pay, paymentOf, sandboxCharges } from './support/payments';
import {
  counts,
  orderOf,
  placeOrder,
  startPlatform,
  ticketsOf,
  type Platform,
} from './support/platform';

let p: Platform;
const PROJECTION_WAIT_MS = 20_000;

beforeAll(async () => {
  // A long projection wait, so a request that waited for an unknown order would show it.
  p = await startPlatform('payments-e2e', {
    ORDER_LOCK_SECONDS: '120',
    ORDER_PROJECTION_WAIT_MS: String(PROJECTION_WAIT_MS),
  });
});
afterAll(async () => p?.close());

describe('order → pay → complete → tickets, with the real services', () => {
  test('when a fan orders 2 tickets and pays with 4242 4242 4242 4242, then the order completes, 2 tickets are issued to them and the counts show 2 sold', async () => {
    const fan = p.fan();
    const before = await counts(p, 12, 1);
    const order = await placeOrder(p, fan, { matchNumber: 12, category: 1, quantity: 2 });
    expect(await counts(p, 12, 1)).toEqual({
      available: before.available,
      pending: before.pending - 2,
    });

    // Paid at once: payments may hear of the order only milliseconds later, and waits for it.
    const response = await pay(p.payments, fan, { orderId: order.id, card: CARDS.succeeds });
    expect(response.status).toBe(202);
    expect(response.body.payment).toMatchObject({
      amountCents: order.amountCents,
      currency: order.currency,
    });

    await eventually(async () => expect((await orderOf(p, fan, order.id)).status).toBe('complete'));
    await eventually(async () => expect(await ticketsOf(p, fan, order.id)).toHaveLength(2));
    await eventually(async () =>
      expect(await counts(p, 12, 1)).toEqual({
        available: before.available - 2,
        pending: before.pending - 2,
      }),
    );
    expect((await paymentOf(p.payments, fan, order.id)).body.payment.status).toBe('succeeded');
  });

  test('when a card is declined (0002, then 9995), then the order stays payable and a good card completes it', async () => {
    const fan = p.fan();
    const order = await placeOrder(p, fan, { matchNumber: 12, category: 2, quantity: 1 });
    const declined = await pay(p.payments, fan, { orderId: order.id, card: CARDS.declined });
    expect(declined.status).toBe(402);
    expect(declined.body.errors[0].code).toBe('card_declined');
    const poor = await pay(p.payments, fan, { orderId: order.id, card: CARDS.insufficientFunds });
    expect(poor.status).toBe(402);
    expect(poor.body.errors[0].code).toBe('insufficient_funds');
    await sleep(300);
    expect((await orderOf(p, fan, order.id)).status).toBe('awaiting_payment');
    expect(await ticketsOf(p, fan, order.id)).toHaveLength(0);

    expect((await pay(p.payments, fan, { orderId: order.id, card: CARDS.succeeds })).status).toBe(
      202,
    );
    await eventually(async () => expect((await orderOf(p, fan, order.id)).status).toBe('complete'));
    await eventually(async () => expect(await ticketsOf(p, fan, order.id)).toHaveLength(1));
    expect((await paymentOf(p.payments, fan, order.id)).body.payment).toMatchObject({
      status: 'succeeded',
      attempts: 3,
    });
  });

  test("when a fan pays someone else's order, then 404; when the owner pays it again once complete, then 409 order_complete", async () => {
    const owner = p.fan();
    const order = await placeOrder(p, owner, { matchNumber: 13, category: 3, quantity: 1 });
    const stranger = await pay(p.payments, p.fan(), { orderId: order.id, card: CARDS.succeeds });
    expect(stranger.status).toBe(404);
    expect(stranger.body.errors[0].code).toBe('order_not_found');

    expect((await pay(p.payments, owner, { orderId: order.id, card: CARDS.succeeds })).status).toBe(
      202,
    );
    await eventually(async () =>
      expect((await orderOf(p, owner, order.id)).status).toBe('complete'),
    );
    await eventually(async () => {
      const again = await pay(p.payments, owner, { orderId: order.id, card: CARDS.succeeds });
      expect(again.status).toBe(409);
      expect(again.body.errors[0].code).toBe('order_complete');
    });
    expect(await sandboxCharges(p.payments, order.id)).toEqual({ succeeded: 1, declined: 0 });
  });

  test('when the fan double-clicks pay (8 concurrent requests), then one charge, one completion and exactly the ordered tickets', async () => {
    const fan = p.fan();
    const before = await counts(p, 14, 1);
    const order = await placeOrder(p, fan, { matchNumber: 14, category: 1, quantity: 3 });
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        pay(p.payments, fan, { orderId: order.id, card: CARDS.succeeds }),
      ),
    );
    expect(responses.filter((r) => r.body.started === true)).toHaveLength(1);
    await eventually(async () => expect((await orderOf(p, fan, order.id)).status).toBe('complete'));
    await eventually(async () => expect(await ticketsOf(p, fan, order.id)).toHaveLength(3));
    await sleep(500);
    expect(await ticketsOf(p, fan, order.id)).toHaveLength(3);
    expect(await sandboxCharges(p.payments, order.id)).toEqual({ succeeded: 1, declined: 0 });
    expect(
      await eventsFor(p.payments, paymentsEvents.paymentSucceeded.type, order.id),
    ).toHaveLength(1);
    expect(await counts(p, 14, 1)).toEqual({
      available: before.available - 3,
      pending: before.pending - 3,
    });
  });
});

describe('order ids payments has not heard of', () => {
  test('when 20 unknown order ids are paid at once, then each is answered 404 order_not_found without waiting for the projection', async () => {
    const fan = p.fan();
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        pay(p.payments, fan, { orderId: randomUUID(), card: CARDS.succeeds }),
      ),
    );
    expect(answers.map((a) => [a.status, a.body.errors[0].code])).toEqual(
      Array.from({ length: 20 }, () => [404, 'order_not_found']),
    );
    // Orders said "not yours / no such order" at once: nobody waited out the 20 s projection wait.
    expect(Date.now() - started).toBeLessThan(PROJECTION_WAIT_MS / 4);
  });

  test("when a fan pays someone else's brand-new order, then 404 at once, the same answer as for an unknown id", async () => {
    const owner = p.fan();
    const order = await placeOrder(p, owner, { matchNumber: 15, category: 3, quantity: 1 });
    const stranger = p.fan();
    const foreign = await pay(p.payments, stranger, { orderId: order.id, card: CARDS.succeeds });
    const unknown = await pay(p.payments, stranger, {
      orderId: randomUUID(),
      card: CARDS.succeeds,
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(unknown.body);
  });
});
