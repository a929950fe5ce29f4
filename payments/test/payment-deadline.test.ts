import net from 'node:net';
import { eventually } from '@ticketaka/common/testing';
import { freePort } from '../../infra/src/process/port';
import { STRIPE_MOCK_API_KEY } from '../../infra/src/servers/stripe-mock.server';
import {
  announceCreated,
  anOrder,
  newFan,
  pay,
  projected,
  startPaymentsHarness,
  type PaymentsHarness,
} from './support/payments';

/**
 * A provider that accepts connections and never answers: the worst a payment request can
 * meet. The Stripe client's own budget (8 s a try, one retry, up to three calls) would keep the
 * fan waiting past the gateway's timeout; the payment's one deadline answers well before.
 */
const DEADLINE_MS = 1500;
let silent: net.Server;
const connections: net.Socket[] = [];
let h: PaymentsHarness;

beforeAll(async () => {
  const port = await freePort();
  silent = net.createServer((socket) => connections.push(socket));
  await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
  h = await startPaymentsHarness('payments-deadline', {
    env: {
      STRIPE_SECRET_KEY: STRIPE_MOCK_API_KEY,
      STRIPE_WEBHOOK_SECRET: 'whsec_deadline_test',
      STRIPE_API_BASE: `http://127.0.0.1:${port}`,
      STRIPE_SUPPRESS_NOTICES: 'true',
      PAYMENT_CALL_DEADLINE_MS: String(DEADLINE_MS),
    },
  });
}, 600_000);
afterAll(async () => {
  await h?.close();
  for (const socket of connections) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
});

test('when the provider accepts the call and never answers, then the fan gets a 503 in words once the one payment deadline has passed, and may try again', async () => {
  const fan = newFan(h.env);
  const order = anOrder(fan, { amountCents: 22500 });
  await announceCreated(await h.env.harness(), order);
  await eventually(async () => expect(await projected(h.payments, order.id)).toBeDefined());

  const started = Date.now();
  const first = await pay(h.payments, fan, { orderId: order.id, paymentMethodId: 'pm_card_visa' });
  const took = Date.now() - started;
  expect(first.status).toBe(503);
  expect(first.body).toMatchObject({ errors: [{ code: 'provider_unavailable' }] });
  expect(first.headers.get('retry-after')).toMatch(/^\d+$/);
  // Not before the deadline (the call was given its time), and far sooner than one of the
  // client's own 8 s tries, let alone its retries across three calls.
  expect(took).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
  expect(took).toBeLessThan(DEADLINE_MS + 4_000);
  expect(connections.length).toBeGreaterThanOrEqual(1);

  // The abandoned attempt is closed, so the fan's retry is a new attempt, not "in progress".
  const { rows } = await h.payments.runtime.pool.query(
    'SELECT status, failure_code FROM payments WHERE order_id = $1',
    [order.id],
  );
  expect(rows).toEqual([{ status: 'failed', failure_code: 'provider_unavailable' }]);
  const second = await pay(h.payments, fan, { orderId: order.id, paymentMethodId: 'pm_card_visa' });
  expect(second.status).toBe(503);
  expect(second.body).toMatchObject({ errors: [{ code: 'provider_unavailable' }] });
});

test('when the deadline is not shorter than the attempt lease, then payments refuses to start and says why', async () => {
  const { paymentsConfigSchema } = await import('../src/config');
  const parsed = paymentsConfigSchema.safeParse({
    PAYMENT_CALL_DEADLINE_MS: '30000',
    PAYMENT_ATTEMPT_LEASE_MS: '30000',
    JWT_PUBLIC_KEY: 'x',
  });
  expect(parsed.success).toBe(false);
  expect(JSON.stringify(parsed.error?.issues)).toContain('shorter than PAYMENT_ATTEMPT_LEASE_MS');
});
