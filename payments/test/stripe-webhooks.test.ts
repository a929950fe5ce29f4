import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { ordersEvents, paymentsEvents } from '@ticketaka/common';
import { eventually, sleep } from '@ticketaka/common/testing';
import type { RunningServer } from '../../infra/src/servers/server';
import { STRIPE_MOCK_API_KEY, stripeMockServer } from '../../infra/src/servers/stripe-mock.server';
import type { StripePaymentProvider } from '../src/providers/stripe-payment.provider';
import {
  announceCreated,
  announceExpired,
  anOrder,
  call,
  eventsFor,
  newFan,
  pay,
  paymentOf,
  projected,
  startPaymentsHarness,
  type Fan,
  type PaymentsHarness,
  type TestOrder,
} from './support/payments';

const WEBHOOK_SECRET = `whsec_${randomUUID().replace(/-/g, '')}`;
const WEBHOOK = '/api/payments/webhooks/stripe';

let stripeMock: RunningServer;
let h: PaymentsHarness;
/** Every request the Stripe client sent, as the client itself reports them. */
const sent: { method: string; path: string; idempotencyKey?: string; status: number }[] = [];

function recordStripeTraffic() {
  const provider = h.payments.provider as StripePaymentProvider;
  provider.stripe.on('response', (event: Stripe.ResponseEvent) =>
    sent.push({
      method: event.method,
      path: event.path,
      idempotencyKey: event.idempotency_key,
      status: event.status,
    }),
  );
}

beforeAll(async () => {
  stripeMock = await stripeMockServer.ensure();
  h = await startPaymentsHarness('payments-stripe', {
    env: {
      STRIPE_SECRET_KEY: STRIPE_MOCK_API_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: stripeMock.url,
      STRIPE_SUPPRESS_NOTICES: 'true',
    },
  });
  recordStripeTraffic();
}, 600_000);
afterAll(async () => {
  await h?.close();
  await stripeMock?.stop();
});

async function payable(fan = newFan(h.env)) {
  const order = anOrder(fan, { amountCents: 22500 });
  await announceCreated(await h.env.harness(), order);
  await eventually(async () => expect(await projected(h.payments, order.id)).toBeDefined());
  return { fan, order };
}

/** Pays with Stripe's test payment method; the payment then awaits Stripe's webhook. */
async function paid(fan: Fan, order: TestOrder) {
  const response = await pay(h.payments, fan, {
    orderId: order.id,
    paymentMethodId: 'pm_card_visa',
  });
  expect(response.status).toBe(202);
  const { rows } = await h.payments.runtime.pool.query(
    'SELECT id, provider_payment_id FROM payments WHERE order_id = $1',
    [order.id],
  );
  return { paymentId: rows[0].id as string, intentId: rows[0].provider_payment_id as string };
}

/** A webhook body as Stripe sends it: an event wrapping the PaymentIntent, with our metadata. */
function intentEvent(
  type: string,
  order: TestOrder,
  payment: { paymentId: string; intentId: string },
  overrides: {
    amount?: number;
    currency?: string;
    created?: number;
    lastPaymentError?: object;
  } = {},
) {
  const succeeded = type === 'payment_intent.succeeded';
  return JSON.stringify(
    {
      id: `evt_${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: overrides.created ?? Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      type,
      data: {
        object: {
          id: payment.intentId,
          object: 'payment_intent',
          amount: overrides.amount ?? order.amountCents,
          amount_received: succeeded ? (overrides.amount ?? order.amountCents) : 0,
          currency: (overrides.currency ?? order.currency).toLowerCase(),
          status: succeeded ? 'succeeded' : 'requires_payment_method',
          metadata: { ticketaka_order_id: order.id, ticketaka_payment_id: payment.paymentId },
          last_payment_error: overrides.lastPaymentError ?? null,
        },
      },
    },
    null,
    2,
  );
}

const sign = (payload: string, options: { secret?: string; timestamp?: number } = {}) =>
  Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
  });

const deliver = (
  payload: string,
  signature?: string,
  contentType = 'application/json; charset=utf-8',
) =>
  call(h.payments.url, 'POST', WEBHOOK, {
    body: payload,
    headers: {
      'content-type': contentType,
      ...(signature ? { 'stripe-signature': signature } : {}),
    },
  });

const statusOf = async (orderId: string) =>
  (
    await h.payments.runtime.pool.query(
      'SELECT status, version FROM payments WHERE order_id = $1',
      [orderId],
    )
  ).rows[0] as {
    status: string;
    version: number;
  };
const providerEventCount = async () =>
  (await h.payments.runtime.pool.query('SELECT count(*)::int AS n FROM provider_events')).rows[0]
    .n as number;
const outboxCount = async () =>
  (await h.payments.runtime.pool.query('SELECT count(*)::int AS n FROM outbox')).rows[0]
    .n as number;
const succeededEvents = (orderId: string) =>
  eventsFor(h.payments, paymentsEvents.paymentSucceeded.type, orderId);

describe('the stripe provider against stripe-mock', () => {
  test('when the owner pays with pm_card_visa, then one PaymentIntent per order is created and confirmed with keys derived from the order, and the payment awaits the webhook', async () => {
    const { fan, order } = await payable();
    sent.length = 0;
    const response = await pay(h.payments, fan, {
      orderId: order.id,
      paymentMethodId: 'pm_card_visa',
    });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({
      mode: 'TEST MODE (stripe)',
      payment: { status: 'processing', amountCents: 22500, provider: 'stripe' },
    });

    expect(sent.map((r) => `${r.method} ${r.path.replace(/pi_\w+/, 'pi_…')} ${r.status}`)).toEqual([
      'POST /v1/payment_intents 200',
      'GET /v1/payment_intents/pi_… 200',
      'POST /v1/payment_intents/pi_…/confirm 200',
    ]);
    expect(sent[0]!.idempotencyKey).toBe(`ticketaka-order-${order.id}-intent-1`);
    expect(sent[2]!.idempotencyKey).toBe(`ticketaka-order-${order.id}-confirm-1`);
    const { rows } = await h.payments.runtime.pool.query(
      'SELECT provider_payment_id FROM payments WHERE order_id = $1',
      [order.id],
    );
    expect(rows[0].provider_payment_id).toMatch(/^pi_/);
  });

  test('when card numbers are sent to the stripe provider, then 400: only Stripe.js payment methods are accepted', async () => {
    const { fan, order } = await payable();
    const response = await pay(h.payments, fan, {
      orderId: order.id,
      card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe('card');
  });

  test('when Stripe signs payment_intent.succeeded, then the payment succeeds and payments.payment.succeeded is announced with the order amount', async () => {
    const { fan, order } = await payable();
    const payment = await paid(fan, order);
    const payload = intentEvent('payment_intent.succeeded', order, payment);
    const response = await deliver(payload, sign(payload));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true, outcome: 'applied' });
    expect((await paymentOf(h.payments, fan, order.id)).body.payment.status).toBe('succeeded');
    await eventually(async () => expect(await succeededEvents(order.id)).toHaveLength(1));
    expect((await succeededEvents(order.id))[0]!.data).toMatchObject({
      amountCents: 22500,
      orderId: order.id,
    });
  });
});

describe("Stripe.js in the fan's browser", () => {
  test('when the owner asks for the client secret twice, then one PaymentIntent per order is made with the order-derived key and both answers carry its client secret; a stranger gets 404 as for a missing order', async () => {
    const { fan, order } = await payable();
    sent.length = 0;
    const first = await call(h.payments.url, 'POST', '/api/payments/intent', {
      token: fan.token,
      body: { orderId: order.id },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      mode: 'TEST MODE (stripe)',
      payment: { status: 'processing', amountCents: 22500, provider: 'stripe' },
    });
    expect(first.body.clientSecret).toMatch(/^pi_\w+_secret_\w+$/);
    expect(sent[0]!.idempotencyKey).toBe(`ticketaka-order-${order.id}-intent-1`);
    // Nothing was confirmed server-side: Stripe.js does that in the browser.
    expect(sent.some((r) => r.path.endsWith('/confirm'))).toBe(false);

    const again = await call(h.payments.url, 'POST', '/api/payments/intent', {
      token: fan.token,
      body: { orderId: order.id },
    });
    expect(again.status).toBe(200);
    expect(again.body.payment.id).toBe(first.body.payment.id);
    expect(
      sent.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents'),
    ).toHaveLength(2);
    expect(new Set(sent.map((r) => r.idempotencyKey).filter(Boolean))).toEqual(
      new Set([`ticketaka-order-${order.id}-intent-1`]),
    );

    const stranger = newFan(h.env);
    const refused = await call(h.payments.url, 'POST', '/api/payments/intent', {
      token: stranger.token,
      body: { orderId: order.id },
    });
    expect(refused.status).toBe(404);
  });
});

describe('webhook signatures', () => {
  let fan: Fan;
  let order: TestOrder;
  let payment: { paymentId: string; intentId: string };

  beforeAll(async () => {
    ({ fan, order } = await payable());
    payment = await paid(fan, order);
  });

  const nothingChanged = async (before: { events: number; outbox: number }) => {
    expect(await statusOf(order.id)).toEqual({ status: 'processing', version: 0 });
    expect(await providerEventCount()).toBe(before.events);
    expect(await outboxCount()).toBe(before.outbox);
  };

  test.each([
    {
      name: 'signed with another secret',
      make: () => {
        const payload = intentEvent('payment_intent.succeeded', order, payment);
        return { payload, signature: sign(payload, { secret: 'whsec_not_the_right_one' }) };
      },
    },
    {
      name: 'signed 301 seconds ago (older than the 300 s tolerance)',
      make: () => {
        const payload = intentEvent('payment_intent.succeeded', order, payment);
        return {
          payload,
          signature: sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
        };
      },
    },
    {
      name: 'changed after signing (the amount)',
      make: () => {
        const payload = intentEvent('payment_intent.succeeded', order, payment);
        return {
          payload: payload.replace('"amount": 22500', '"amount": 1'),
          signature: sign(payload),
        };
      },
    },
    {
      name: 'changed after signing (only whitespace)',
      make: () => {
        const payload = intentEvent('payment_intent.succeeded', order, payment);
        return { payload: JSON.stringify(JSON.parse(payload)), signature: sign(payload) };
      },
    },
    {
      name: 'sent without a signature',
      make: () => ({
        payload: intentEvent('payment_intent.succeeded', order, payment),
        signature: undefined,
      }),
    },
    {
      name: 'signed with a forged header',
      make: () => ({
        payload: intentEvent('payment_intent.succeeded', order, payment),
        signature: 't=1,v1=deadbeef',
      }),
    },
  ])(
    'when a webhook is $name, then 400 invalid_signature and nothing changes',
    async ({ make }) => {
      const before = { events: await providerEventCount(), outbox: await outboxCount() };
      const { payload, signature } = make();
      const response = await deliver(payload, signature);
      expect(response.status).toBe(400);
      expect(response.body.errors[0].code).toBe('invalid_signature');
      await nothingChanged(before);
    },
  );

  test('when a validly signed webhook says text/plain, then it is still verified on its raw bytes and applied', async () => {
    const { fan: other, order: second } = await payable();
    const p2 = await paid(other, second);
    const payload = intentEvent('payment_intent.succeeded', second, p2);
    const response = await deliver(payload, sign(payload), 'text/plain');
    expect(response.body).toEqual({ received: true, outcome: 'applied' });
    expect((await statusOf(second.id)).status).toBe('succeeded');
  });

  test('when the same valid webhook is delivered three times (and three more at once), then it is applied once and payments.payment.succeeded is announced once', async () => {
    const payload = intentEvent('payment_intent.succeeded', order, payment);
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await deliver(payload, sign(payload));
      expect(response.status).toBe(200);
      outcomes.push(response.body.outcome);
    }
    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate']);
    const concurrent = await Promise.all([1, 2, 3].map(() => deliver(payload, sign(payload))));
    expect(concurrent.map((r) => r.body.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate']);

    // A second, different event saying the same thing (Stripe may send one) changes nothing either.
    const another = intentEvent('payment_intent.succeeded', order, payment);
    expect((await deliver(another, sign(another))).body.outcome).toBe('applied');

    expect(await statusOf(order.id)).toEqual({ status: 'succeeded', version: 1 });
    await eventually(async () => expect(await succeededEvents(order.id)).toHaveLength(1));
    await sleep(500);
    expect(await succeededEvents(order.id)).toHaveLength(1);
  });

  test('when six different valid webhooks for one new payment race, then exactly one announces it', async () => {
    const { fan: other, order: second } = await payable();
    const p2 = await paid(other, second);
    const payloads = Array.from({ length: 6 }, () =>
      intentEvent('payment_intent.succeeded', second, p2),
    );
    const responses = await Promise.all(payloads.map((payload) => deliver(payload, sign(payload))));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await eventually(async () => expect(await succeededEvents(second.id)).toHaveLength(1));
    await sleep(300);
    expect(await succeededEvents(second.id)).toHaveLength(1);
  });

  test('when a webhook of a type payments does not use, or for an intent it does not know, arrives, then 200 and it is ignored', async () => {
    const other = JSON.stringify({
      id: `evt_${randomUUID()}`,
      object: 'event',
      type: 'customer.created',
      created: 1,
      data: { object: { id: 'cus_1', object: 'customer' } },
    });
    expect((await deliver(other, sign(other))).body).toEqual({
      received: true,
      outcome: 'ignored',
    });
    const stray = intentEvent('payment_intent.succeeded', anOrder(fan), {
      paymentId: randomUUID(),
      intentId: 'pi_unknown',
    });
    expect((await deliver(stray, sign(stray))).body).toEqual({
      received: true,
      outcome: 'ignored',
    });
  });
});

describe('failures reported by webhook', () => {
  test('when payment_intent.payment_failed arrives for the running attempt, then the payment fails with the reason and the order can be paid again', async () => {
    const { fan, order } = await payable();
    const payment = await paid(fan, order);
    // An event from before this attempt started belongs to an earlier attempt: ignored.
    const stale = intentEvent('payment_intent.payment_failed', order, payment, {
      created: Math.floor(Date.now() / 1000) - 60,
    });
    expect((await deliver(stale, sign(stale))).status).toBe(200);
    expect((await statusOf(order.id)).status).toBe('processing');

    const failed = intentEvent('payment_intent.payment_failed', order, payment, {
      created: Math.floor(Date.now() / 1000) + 2,
      lastPaymentError: {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      },
    });
    expect((await deliver(failed, sign(failed))).status).toBe(200);
    const view = await paymentOf(h.payments, fan, order.id);
    expect(view.body.payment).toMatchObject({
      status: 'failed',
      failure: { code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    });
    await eventually(async () =>
      expect(await eventsFor(h.payments, paymentsEvents.paymentFailed.type, order.id)).toHaveLength(
        1,
      ),
    );

    // The next attempt confirms the same intent with a new key.
    sent.length = 0;
    expect(
      (await pay(h.payments, fan, { orderId: order.id, paymentMethodId: 'pm_card_visa' })).status,
    ).toBe(202);
    expect(sent.find((r) => r.path.endsWith('/confirm'))?.idempotencyKey).toBe(
      `ticketaka-order-${order.id}-confirm-2`,
    );
    expect(sent.find((r) => r.path === '/v1/payment_intents')?.idempotencyKey).toBe(
      `ticketaka-order-${order.id}-intent-1`,
    );
  });
});

describe('refunds through Stripe', () => {
  const refundedEvents = (orderId: string) =>
    eventsFor(h.payments, paymentsEvents.paymentRefunded.type, orderId);

  test('when the success arrives for an order payments knows has expired, then it is refunded with an idempotency key from the order, and the fan sees why', async () => {
    const { fan, order } = await payable();
    const payment = await paid(fan, order);
    await announceExpired(await h.env.harness(), order);
    await eventually(async () =>
      expect((await projected(h.payments, order.id))?.status).toBe('expired'),
    );
    sent.length = 0;
    const payload = intentEvent('payment_intent.succeeded', order, payment);
    expect((await deliver(payload, sign(payload))).status).toBe(200);

    await eventually(async () =>
      expect((await paymentOf(h.payments, fan, order.id)).body.payment.status).toBe('refunded'),
    );
    const view = (await paymentOf(h.payments, fan, order.id)).body.payment;
    expect(view.refund).toMatchObject({
      status: 'refunded',
      code: 'order_expired',
      reason: expect.stringMatching(/expired.*refunded in full/),
    });
    expect(sent.filter((r) => r.path === '/v1/refunds')).toEqual([
      expect.objectContaining({
        status: 200,
        idempotencyKey: `ticketaka-order-${order.id}-refund`,
      }),
    ]);
    await eventually(async () => expect(await refundedEvents(order.id)).toHaveLength(1));
    expect(await succeededEvents(order.id)).toHaveLength(0);
  });

  test.each([
    { name: 'took 1 cent for a 22500-cent order', overrides: { amount: 1 } },
    { name: 'took 22500 in another currency', overrides: { currency: 'EUR' } },
  ])(
    'when Stripe says it $name, then the order is not paid: no success is announced, the charge is refunded and the payment says why',
    async ({ overrides }) => {
      const { fan, order } = await payable();
      const payment = await paid(fan, order);
      sent.length = 0;
      const payload = intentEvent('payment_intent.succeeded', order, payment, overrides);
      expect((await deliver(payload, sign(payload))).body).toEqual({
        received: true,
        outcome: 'applied',
      });

      await eventually(async () =>
        expect((await paymentOf(h.payments, fan, order.id)).body.payment.status).toBe('refunded'),
      );
      expect((await paymentOf(h.payments, fan, order.id)).body.payment.refund).toMatchObject({
        code: 'amount_mismatch',
        reason: expect.stringMatching(/did not match the order/),
      });
      expect(sent.filter((r) => r.path === '/v1/refunds')).toHaveLength(1);
      await eventually(async () => expect(await refundedEvents(order.id)).toHaveLength(1));
      expect(await succeededEvents(order.id)).toHaveLength(0);
      // The same event again changes nothing (and still announces no success).
      expect((await deliver(payload, sign(payload))).body.outcome).toBe('duplicate');
      expect(await succeededEvents(order.id)).toHaveLength(0);
    },
  );

  test('when orders rejects the payment (twice), then it is refunded once with the reason shown to the fan', async () => {
    const { fan, order } = await payable();
    const payment = await paid(fan, order);
    const payload = intentEvent('payment_intent.succeeded', order, payment);
    await deliver(payload, sign(payload));
    expect((await statusOf(order.id)).status).toBe('succeeded');

    const rejection = ordersEvents.orderPaymentRejected.create({
      orderId: order.id,
      paymentId: payment.paymentId,
      orderStatus: 'cancelled',
      reason: 'order_cancelled',
    });
    await (await h.env.harness()).publish(rejection);
    await (await h.env.harness()).publish(ordersEvents.orderPaymentRejected.create(rejection.data));
    await eventually(async () =>
      expect((await paymentOf(h.payments, fan, order.id)).body.payment.refund).toMatchObject({
        status: 'refunded',
        code: 'order_cancelled',
      }),
    );
    await eventually(async () => expect(await refundedEvents(order.id)).toHaveLength(1));
    await sleep(500);
    expect(await refundedEvents(order.id)).toHaveLength(1);
    expect((await refundedEvents(order.id))[0]!.data.reason).toMatch(/cancelled/);
  });
});

describe('a restart between charge and record', () => {
  test('when the service dies after Stripe confirmed and before recording, then after a restart the webhook and a retry end in one charge and one success', async () => {
    const { fan, order } = await payable();
    await h.restart({
      hooks: {
        afterConfirm: async () => {
          throw new Error('simulated crash after the provider call');
        },
      },
    });
    recordStripeTraffic();
    sent.length = 0;
    const crashed = await pay(h.payments, fan, {
      orderId: order.id,
      paymentMethodId: 'pm_card_visa',
    });
    expect(crashed.status).toBe(500);
    expect(sent.filter((r) => r.path.endsWith('/confirm'))).toHaveLength(1);
    const { rows } = await h.payments.runtime.pool.query(
      'SELECT id, provider_payment_id, status FROM payments WHERE order_id = $1',
      [order.id],
    );
    expect(rows[0].status).toBe('processing');

    await h.restart();
    recordStripeTraffic();
    sent.length = 0;
    // The fan retries at once: the attempt is still leased, so no second confirmation is sent.
    const retry = await pay(h.payments, fan, {
      orderId: order.id,
      paymentMethodId: 'pm_card_visa',
    });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ started: false, payment: { status: 'processing' } });
    expect(sent.filter((r) => r.path.endsWith('/confirm'))).toHaveLength(0);

    const payload = intentEvent('payment_intent.succeeded', order, {
      paymentId: rows[0].id,
      intentId: rows[0].provider_payment_id,
    });
    expect((await deliver(payload, sign(payload))).body.outcome).toBe('applied');
    expect((await paymentOf(h.payments, fan, order.id)).body.payment.status).toBe('succeeded');
    await eventually(async () => expect(await succeededEvents(order.id)).toHaveLength(1));
  });
});

test('when PAYMENT_PROVIDER is stripe without keys, or the sandbox in production without consent, then the service refuses to start and names the variables', async () => {
  const { ConfigError, loadConfig } = await import('@ticketaka/common');
  const { paymentsConfigSchema } = await import('../src/config');
  const attempt = (env: Record<string, string>) => {
    try {
      loadConfig('payments', paymentsConfigSchema, env);
      return 'started';
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
  };
  expect(attempt({ PAYMENT_PROVIDER: 'stripe' })).toMatch(
    /STRIPE_SECRET_KEY.*\n.*STRIPE_WEBHOOK_SECRET/,
  );
  expect(attempt({ NODE_ENV: 'production', JWT_PUBLIC_KEY: 'k' })).toMatch(
    /PAYMENT_PROVIDER: the sandbox takes no real money/,
  );
  expect(
    attempt({ NODE_ENV: 'production', JWT_PUBLIC_KEY: 'k', ALLOW_SANDBOX_IN_PRODUCTION: 'true' }),
  ).toMatch(/SANDBOX_WEBHOOK_SECRET/);
  expect(attempt({ STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' })).toBe(
    'started',
  );
  expect(attempt({})).toBe('started');
});
