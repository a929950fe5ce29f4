import { randomUUID } from 'node:crypto';
import { paymentsEvents } from '@ticketaka/common';
import { adminPaymentStatsResponseSchema } from '@ticketaka/contracts';
import { eventually, sleep } from '@ticketaka/common/testing';
import {
  announceCancelled,
  announceCompleted,
  announceCreated,
  announceExpired,
  anOrder,
  call,
  CARDS,
  eventsFor,
  newFan,
  pay,
  paymentOf,
  projected,
  sandboxCharges,
  startPaymentsHarness,
  type PaymentsHarness,
  type TestOrder,
} from './support/payments';

let h: PaymentsHarness;

beforeAll(async () => {
  h = await startPaymentsHarness('payments-sandbox');
});
afterAll(async () => h.close());

async function payable(fan = newFan(h.env), overrides: Partial<TestOrder> = {}) {
  const order = anOrder(fan, overrides);
  await announceCreated(await h.env.harness(), order);
  await eventually(async () => expect(await projected(h.payments, order.id)).toBeDefined());
  return { fan, order };
}

const succeededEvents = (orderId: string) =>
  eventsFor(h.payments, paymentsEvents.paymentSucceeded.type, orderId);
const failedEvents = (orderId: string) =>
  eventsFor(h.payments, paymentsEvents.paymentFailed.type, orderId);

describe('what the checkout page asks first', () => {
  test('when the checkout asks for the payment config, then it learns the sandbox takes cards and gets no Stripe key; a Stripe.js client secret is refused with 409', async () => {
    const config = await call(h.payments.url, 'GET', '/api/payments/config');
    expect(config.status).toBe(200);
    expect(config.body).toEqual({
      mode: 'TEST MODE (sandbox)',
      provider: 'sandbox',
      stripePublishableKey: null,
    });
    const { fan, order } = await payable();
    const intent = await call(h.payments.url, 'POST', '/api/payments/intent', {
      token: fan.token,
      body: { orderId: order.id },
    });
    expect(intent.status).toBe(409);
    expect(intent.body.errors[0].code).toBe('browser_confirmation_unsupported');
  });
});

describe('payments and refunds for the admin dashboard', () => {
  test('when a payment succeeds and another is declined, then the admin stats count them with their amounts and this hour’s successes; a fan gets 403', async () => {
    const admin = newFan(h.env, 'admin');
    const stats = async () =>
      adminPaymentStatsResponseSchema.parse(
        (
          await call(h.payments.url, 'GET', '/api/payments/admin/stats?hours=1', {
            token: admin.token,
          })
        ).body,
      );
    const before = await stats();
    const count = (s: typeof before, status: string) =>
      s.byStatus.find((b) => b.status === status) ?? { count: 0, amountCents: 0 };

    const good = await payable(newFan(h.env), { amountCents: 15000 });
    expect(
      (await pay(h.payments, good.fan, { orderId: good.order.id, card: CARDS.succeeds })).status,
    ).toBe(202);
    const bad = await payable();
    expect(
      (await pay(h.payments, bad.fan, { orderId: bad.order.id, card: CARDS.declined })).status,
    ).toBe(402);

    await eventually(async () => {
      const after = await stats();
      expect(count(after, 'succeeded').count).toBe(count(before, 'succeeded').count + 1);
      expect(count(after, 'succeeded').amountCents).toBe(
        count(before, 'succeeded').amountCents + 15000,
      );
      expect(count(after, 'failed').count).toBe(count(before, 'failed').count + 1);
    });
    const thisHour = new Date();
    thisHour.setUTCMinutes(0, 0, 0);
    expect((await stats()).timeline).toContainEqual(
      expect.objectContaining({ bucket: thisHour.toISOString(), kind: 'succeeded' }),
    );
    const fan = newFan(h.env);
    expect(
      (await call(h.payments.url, 'GET', '/api/payments/admin/stats', { token: fan.token })).status,
    ).toBe(403);
  });
});

describe('paying with the sandbox test cards', () => {
  test('when the owner pays with 4242 4242 4242 4242, then 202 in TEST MODE, the signed webhook makes it succeeded, and payments.payment.succeeded carries the order amount once', async () => {
    const { fan, order } = await payable();
    const response = await pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds });
    expect(response.status).toBe(202);
    // Processing until the webhook lands, which with the sandbox may already have happened.
    expect(response.body).toMatchObject({
      mode: 'TEST MODE (sandbox)',
      started: true,
      payment: { orderId: order.id },
    });
    expect(['processing', 'succeeded']).toContain(response.body.payment.status);
    expect(response.headers.get('x-payment-mode')).toBe('TEST MODE (sandbox)');

    await eventually(async () =>
      expect((await paymentOf(h.payments, fan, order.id)).body.payment.status).toBe('succeeded'),
    );
    const view = await paymentOf(h.payments, fan, order.id);
    expect(view.body).toMatchObject({
      mode: 'TEST MODE (sandbox)',
      payment: { amountCents: 15000, currency: 'USD', provider: 'sandbox', attempts: 1 },
    });
    await eventually(async () => expect(await succeededEvents(order.id)).toHaveLength(1));
    const [event] = await succeededEvents(order.id);
    expect(event!.data).toMatchObject({ orderId: order.id, amountCents: 15000, version: 1 });
    expect(await sandboxCharges(h.payments, order.id)).toEqual({ succeeded: 1, declined: 0 });
    // The sandbox's webhook went through the same route Stripe's would, and was recorded there.
    const { rows } = await h.payments.runtime.pool.query(
      "SELECT count(*)::int AS n FROM provider_events WHERE type = 'payment_intent.succeeded'",
    );
    expect(rows[0].n).toBeGreaterThanOrEqual(1);
  });

  test('when 4000 0000 0000 0002 is declined, then 402 card_declined, the fan sees why, payments.payment.failed is announced, and the order can still be paid', async () => {
    const { fan, order } = await payable();
    const declined = await pay(h.payments, fan, { orderId: order.id, card: CARDS.declined });
    expect(declined.status).toBe(402);
    expect(declined.body.errors[0]).toMatchObject({
      code: 'card_declined',
      message: 'Your card was declined.',
    });
    const view = await paymentOf(h.payments, fan, order.id);
    expect(view.body.payment).toMatchObject({
      status: 'failed',
      failure: { code: 'card_declined' },
      attempts: 1,
    });
    await eventually(async () => expect(await failedEvents(order.id)).toHaveLength(1));

    const retried = await pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds });
    expect(retried.status).toBe(202);
    await eventually(async () =>
      expect((await paymentOf(h.payments, fan, order.id)).body.payment).toMatchObject({
        status: 'succeeded',
        attempts: 2,
      }),
    );
    expect(await sandboxCharges(h.payments, order.id)).toEqual({ succeeded: 1, declined: 1 });
    await eventually(async () => expect(await succeededEvents(order.id)).toHaveLength(1));
    // The sandbox's own payment_failed webhook came too; the decline is still announced once.
    await sleep(500);
    expect(await failedEvents(order.id)).toHaveLength(1);
  });

  test('when 4000 0000 0000 9995 has insufficient funds, then 402 insufficient_funds and nothing is charged', async () => {
    const { fan, order } = await payable();
    const response = await pay(h.payments, fan, {
      orderId: order.id,
      card: CARDS.insufficientFunds,
    });
    expect(response.status).toBe(402);
    expect(response.body.errors[0]).toMatchObject({
      code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    });
    expect(await sandboxCharges(h.payments, order.id)).toEqual({ succeeded: 0, declined: 1 });
  });

  test.each([
    { name: 'an expired card', card: { ...CARDS.succeeds, expYear: 2020 }, code: 'expired_card' },
    {
      name: 'a number that fails the Luhn check',
      card: { ...CARDS.succeeds, number: '4242 4242 4242 4241' },
      code: 'incorrect_number',
    },
    {
      name: 'a real (non-test) card number',
      card: { ...CARDS.succeeds, number: '4111 1111 1111 1111' },
      code: 'card_declined',
    },
  ])('when the card is $name, then 402 $code', async ({ card, code }) => {
    const { fan, order } = await payable();
    const response = await pay(h.payments, fan, { orderId: order.id, card });
    expect(response.status).toBe(402);
    expect(response.body.errors[0].code).toBe(code);
  });
});

describe('who may pay what', () => {
  test("when a fan pays someone else's order, then 404 exactly as for an order that does not exist, and no payment exists", async () => {
    const { order } = await payable();
    const stranger = newFan(h.env);
    const response = await pay(h.payments, stranger, { orderId: order.id, card: CARDS.succeeds });
    expect(response.status).toBe(404);
    const { order: missing } = await payable();
    await h.payments.runtime.pool.query('DELETE FROM orders WHERE id = $1', [missing.id]);
    const unknown = await pay(h.payments, stranger, { orderId: missing.id, card: CARDS.succeeds });
    expect(unknown.status).toBe(404);
    expect(response.body).toEqual(unknown.body);
    expect(response.body.errors[0].code).toBe('order_not_found');
    expect(
      (
        await h.payments.runtime.pool.query('SELECT 1 FROM payments WHERE order_id = $1', [
          order.id,
        ])
      ).rowCount,
    ).toBe(0);
  });

  test("when a fan reads someone else's payment, then 404 as for a missing one; an admin may read it", async () => {
    const { fan, order } = await payable();
    expect((await pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds })).status).toBe(
      202,
    );
    const response = await paymentOf(h.payments, newFan(h.env), order.id);
    expect(response.status).toBe(404);
    expect(response.body).toEqual((await paymentOf(h.payments, fan, randomUUID())).body);
    expect((await paymentOf(h.payments, newFan(h.env, 'admin'), order.id)).status).toBe(200);
  });

  test('when nobody is signed in, then 401', async () => {
    const { order } = await payable();
    const response = await fetch(`${h.payments.url}/api/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: order.id, card: CARDS.succeeds }),
    });
    expect(response.status).toBe(401);
  });

  test.each([
    {
      status: 'complete',
      announce: async (o: TestOrder) => announceCompleted(await h.env.harness(), o),
      code: 'order_complete',
    },
    {
      status: 'cancelled',
      announce: async (o: TestOrder) => announceCancelled(await h.env.harness(), o),
      code: 'order_cancelled',
    },
    {
      status: 'expired',
      announce: async (o: TestOrder) => announceExpired(await h.env.harness(), o),
      code: 'order_expired',
    },
  ])(
    'when the order is $status, then 409 $code and nothing is charged',
    async ({ status, announce, code }) => {
      const { fan, order } = await payable();
      await announce(order);
      await eventually(async () =>
        expect((await projected(h.payments, order.id))?.status).toBe(status),
      );
      const response = await pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds });
      expect(response.status).toBe(409);
      expect(response.body.errors[0].code).toBe(code);
      expect(await sandboxCharges(h.payments, order.id)).toEqual({ succeeded: 0, declined: 0 });
    },
  );

  test('when the order is past its deadline but its expiry has not been announced yet, then 409 order_expired', async () => {
    const { fan, order } = await payable(undefined, {
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    const response = await pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds });
    expect(response.status).toBe(409);
    expect(response.body.errors[0].code).toBe('order_expired');
  });

  test('when the order is unknown, then 404 order_not_found after the short wait for a lagging projection', async () => {
    const started = Date.now();
    const response = await pay(h.payments, newFan(h.env), {
      orderId: randomUUID(),
      card: CARDS.succeeds,
    });
    expect(response.status).toBe(404);
    expect(response.body.errors[0].code).toBe('order_not_found');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  test('when the fan pays before payments has heard of the order, then the request waits for it and succeeds', async () => {
    const fan = newFan(h.env);
    const order = anOrder(fan);
    const paying = pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds });
    await sleep(300);
    await announceCreated(await h.env.harness(), order);
    expect((await paying).status).toBe(202);
  });
});

describe('bad payment requests write nothing', () => {
  test.each([
    { name: 'an amount chosen by the client', change: { amountCents: 1 }, field: 'amountCents' },
    { name: 'no card in TEST MODE', change: { card: undefined }, field: 'card' },
    {
      name: 'a malformed card number',
      change: { card: { ...CARDS.succeeds, number: 'abcd' } },
      field: 'card.number',
    },
    {
      name: 'a month 13',
      change: { card: { ...CARDS.succeeds, expMonth: 13 } },
      field: 'card.expMonth',
    },
    {
      name: 'a two-digit cvc',
      change: { card: { ...CARDS.succeeds, cvc: '12' } },
      field: 'card.cvc',
    },
  ])('when the body has $name, then 400 naming $field', async ({ change, field }) => {
    const { fan, order } = await payable();
    const response = await pay(h.payments, fan, {
      orderId: order.id,
      card: CARDS.succeeds,
      ...change,
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({ code: 'validation_failed' });
    // Unknown keys are reported by zod in the message rather than as a field.
    expect(JSON.stringify(response.body.errors)).toContain(field);
    expect(
      (
        await h.payments.runtime.pool.query('SELECT 1 FROM payments WHERE order_id = $1', [
          order.id,
        ])
      ).rowCount,
    ).toBe(0);
  });

  test('when the order id is not a uuid, then 400', async () => {
    const response = await pay(h.payments, newFan(h.env), {
      orderId: 'nope',
      card: CARDS.succeeds,
    });
    expect(response.status).toBe(400);
  });

  test('when a card number is sent, then it appears nowhere in the database', async () => {
    const { fan, order } = await payable();
    expect((await pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds })).status).toBe(
      202,
    );
    await eventually(async () =>
      expect((await paymentOf(h.payments, fan, order.id)).body.payment.status).toBe('succeeded'),
    );
    const intent = `SELECT id FROM sandbox_intents WHERE metadata->>'ticketaka_order_id' = $1`;
    const rowsOfOrder = [
      'SELECT t::text AS row FROM payments t WHERE order_id = $1',
      `SELECT t::text AS row FROM sandbox_intents t WHERE id IN (${intent})`,
      `SELECT t::text AS row FROM sandbox_charges t WHERE intent_id IN (${intent})`,
      `SELECT t::text AS row FROM sandbox_webhooks t WHERE payload LIKE '%' || $1 || '%'`,
    ];
    let seen = 0;
    for (const sql of rowsOfOrder) {
      const { rows } = await h.payments.runtime.pool.query(sql, [order.id]);
      seen += rows.length;
      for (const { row } of rows) expect(row).not.toMatch(/4242\D?4242|\b123\b|2034/);
    }
    expect(seen).toBeGreaterThanOrEqual(4);
  });
});

describe('never charged twice', () => {
  test('when the fan double-clicks (10 concurrent requests), then one attempt, one charge, one payments.payment.succeeded', async () => {
    const { fan, order } = await payable();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds }),
      ),
    );
    expect(responses.every((r) => r.status === 202 || r.status === 200)).toBe(true);
    expect(responses.filter((r) => r.body.started === true)).toHaveLength(1);
    await eventually(async () =>
      expect((await paymentOf(h.payments, fan, order.id)).body.payment.status).toBe('succeeded'),
    );
    expect(await sandboxCharges(h.payments, order.id)).toEqual({ succeeded: 1, declined: 0 });
    await eventually(async () => expect(await succeededEvents(order.id)).toHaveLength(1));
    await sleep(500);
    expect(await succeededEvents(order.id)).toHaveLength(1);
  });

  test('when the fan pays again after the payment succeeded, then the same payment is answered and nothing is charged', async () => {
    const { fan, order } = await payable();
    expect((await pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds })).status).toBe(
      202,
    );
    await eventually(async () =>
      expect((await paymentOf(h.payments, fan, order.id)).body.payment.status).toBe('succeeded'),
    );
    const again = await pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      started: false,
      payment: { status: 'succeeded', attempts: 1 },
    });
    expect(await sandboxCharges(h.payments, order.id)).toEqual({ succeeded: 1, declined: 0 });
  });
});

describe("payments' copy of orders", () => {
  test('when order events arrive out of order, duplicated or with a gap, then the copy ends at the latest state in version order', async () => {
    const fan = newFan(h.env);
    const order = anOrder(fan);
    const bus = await h.env.harness();
    // Completed (v3) before created (v2): the first seen is taken, the older one ignored.
    await announceCompleted(bus, order);
    await eventually(async () =>
      expect(await projected(h.payments, order.id)).toEqual({ status: 'complete', version: 3 }),
    );
    await announceCreated(bus, order);
    await announceCreated(bus, order);
    await sleep(500);
    expect(await projected(h.payments, order.id)).toEqual({ status: 'complete', version: 3 });

    // A gap (v2 → v4) waits until v3 has arrived.
    const other = anOrder(fan);
    await announceCreated(bus, other);
    await eventually(async () =>
      expect(await projected(h.payments, other.id)).toEqual({
        status: 'awaiting_payment',
        version: 2,
      }),
    );
    await announceExpired(bus, { ...other, version: 3 });
    await sleep(400);
    expect(await projected(h.payments, other.id)).toEqual({
      status: 'awaiting_payment',
      version: 2,
    });
    await announceCancelled(bus, other);
    await eventually(
      async () =>
        expect(await projected(h.payments, other.id)).toEqual({ status: 'expired', version: 4 }),
      15_000,
    );
  });
});
