import { paymentsEvents } from '@ticketaka/common';
import { eventually, sleep } from '@ticketaka/common/testing';
import {
  announceCreated,
  announceExpired,
  anOrder,
  CARDS,
  eventsFor,
  newFan,
  pay,
  paymentOf,
  projected,
  sandboxCharges,
  sandboxRefunds,
  startPaymentsHarness,
  type PaymentsHarness,
} from './support/payments';

/**
 * The sandbox's webhooks arrive 1.5 s late here (as Stripe's can), which opens the windows
 * these tests need: an order that expires between charge and confirmation, and a service
 * that dies between charge and record.
 */
let h: PaymentsHarness;

beforeAll(async () => {
  h = await startPaymentsHarness('payments-late', {
    env: {
      SANDBOX_WEBHOOK_DELAY_MS: '1500',
      PAYMENT_ATTEMPT_LEASE_MS: '300',
      // Shorter than the lease, as the configuration demands (the sandbox answers in-process).
      PAYMENT_CALL_DEADLINE_MS: '250',
    },
  });
});
afterAll(async () => h.close());

async function payable() {
  const fan = newFan(h.env);
  const order = anOrder(fan);
  await announceCreated(await h.env.harness(), order);
  await eventually(async () => expect(await projected(h.payments, order.id)).toBeDefined());
  return { fan, order };
}

test('when the order expires after the charge and before the provider confirms it, then the payment is refunded in full, the fan sees why, and no success is announced', async () => {
  const { fan, order } = await payable();
  expect((await pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds })).status).toBe(
    202,
  );
  await announceExpired(await h.env.harness(), order);
  await eventually(async () =>
    expect((await projected(h.payments, order.id))?.status).toBe('expired'),
  );

  await eventually(
    async () =>
      expect((await paymentOf(h.payments, fan, order.id)).body.payment.status).toBe('refunded'),
    10_000,
  );
  const { body } = await paymentOf(h.payments, fan, order.id);
  expect(body.payment.refund).toMatchObject({
    status: 'refunded',
    code: 'order_expired',
    reason:
      'The payment arrived after the order had expired and its tickets were released, so it was refunded in full.',
  });
  expect(await sandboxCharges(h.payments, order.id)).toEqual({ succeeded: 1, declined: 0 });
  expect(await sandboxRefunds(h.payments, order.id)).toEqual([{ amount_cents: order.amountCents }]);
  await eventually(async () =>
    expect(await eventsFor(h.payments, paymentsEvents.paymentRefunded.type, order.id)).toHaveLength(
      1,
    ),
  );
  expect(await eventsFor(h.payments, paymentsEvents.paymentSucceeded.type, order.id)).toHaveLength(
    0,
  );
});

test('when the service dies between the charge and its record and the fan retries after a restart, then the card is charged once and the success announced once', async () => {
  const { fan, order } = await payable();
  await h.restart({
    hooks: {
      afterConfirm: async () => {
        throw new Error('simulated crash after the provider call');
      },
    },
  });
  expect((await pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds })).status).toBe(
    500,
  );
  expect(await sandboxCharges(h.payments, order.id)).toEqual({ succeeded: 1, declined: 0 });

  await h.restart();
  await sleep(400); // the dead attempt's lease runs out
  const retry = await pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds });
  expect(retry.status).toBe(202);
  expect(retry.body).toMatchObject({
    started: true,
    payment: { attempts: 2, status: 'processing' },
  });
  // The order's intent had already taken the money: the retry did not present the card again.
  expect(await sandboxCharges(h.payments, order.id)).toEqual({ succeeded: 1, declined: 0 });

  await eventually(
    async () =>
      expect((await paymentOf(h.payments, fan, order.id)).body.payment.status).toBe('succeeded'),
    10_000,
  );
  await eventually(async () =>
    expect(
      await eventsFor(h.payments, paymentsEvents.paymentSucceeded.type, order.id),
    ).toHaveLength(1),
  );
  await sleep(500);
  expect(await eventsFor(h.payments, paymentsEvents.paymentSucceeded.type, order.id)).toHaveLength(
    1,
  );
});

test('when the service is down as the late webhook falls due, then the sandbox delivers it after the restart', async () => {
  const { fan, order } = await payable();
  expect((await pay(h.payments, fan, { orderId: order.id, card: CARDS.succeeds })).status).toBe(
    202,
  );
  // Stop the service before the late webhook is due; it waits in the sandbox's books.
  await h.payments.close();
  await sleep(1800);
  await h.restart();
  await eventually(
    async () =>
      expect((await paymentOf(h.payments, fan, order.id)).body.payment.status).toBe('succeeded'),
    10_000,
  );
  await eventually(async () =>
    expect(
      await eventsFor(h.payments, paymentsEvents.paymentSucceeded.type, order.id),
    ).toHaveLength(1),
  );
});
