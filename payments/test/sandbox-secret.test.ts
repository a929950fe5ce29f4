import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { WEBHOOK_PATH } from '../src/entry-points/http/provider-webhook.routes';
import { signWebhookPayload } from '../src/providers/sandbox/webhook-signature';
import {
  announceCreated,
  anOrder,
  call,
  newFan,
  startPaymentsHarness,
  type PaymentsHarness,
} from './support/payments';

/** The secret that used to be committed; anyone could sign sandbox webhooks with it. */
const FORMER_PUBLIC_SECRET = 'whsec_ticketaka_local_sandbox_not_secret';

let keysDir: string;
let h: PaymentsHarness;

beforeAll(async () => {
  keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-keys-'));
  h = await startPaymentsHarness('payments-sandbox-secret', { env: { JWT_KEYS_DIR: keysDir } });
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(keysDir, { recursive: true, force: true });
});

const file = () => path.join(keysDir, 'sandbox-webhook-secret');

test('when the sandbox starts without SANDBOX_WEBHOOK_SECRET, then it makes a random secret for this installation (mode 0600) and keeps it across restarts', async () => {
  const secret = fs.readFileSync(file(), 'utf8');
  expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
  expect(h.payments.provider.webhookSecret).toBe(secret);

  await h.restart();
  expect(h.payments.provider.webhookSecret).toBe(secret);

  const other = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-keys-'));
  try {
    const { sandboxWebhookSecret } = await import('../src/providers/create-payment-provider');
    const otherSecret = sandboxWebhookSecret({
      ...h.payments.runtime.config,
      SANDBOX_WEBHOOK_SECRET: undefined,
      JWT_KEYS_DIR: other,
    } as never);
    expect(otherSecret).not.toBe(secret);
  } finally {
    fs.rmSync(other, { recursive: true, force: true });
  }
});

test('when a webhook is signed with the formerly committed secret, then it is refused and the order stays unpaid', async () => {
  const fan = newFan(h.env);
  const order = anOrder(fan);
  await announceCreated(await h.env.harness(), order);
  const payload = JSON.stringify({
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: 'pi_forged',
        object: 'payment_intent',
        amount: order.amountCents,
        amount_received: order.amountCents,
        currency: 'usd',
        status: 'succeeded',
        metadata: { ticketaka_order_id: order.id },
      },
    },
  });
  const response = await call(h.payments.url, 'POST', WEBHOOK_PATH, {
    body: payload,
    headers: {
      'content-type': 'application/json',
      'stripe-signature': signWebhookPayload(payload, FORMER_PUBLIC_SECRET),
    },
  });
  expect(response.status).toBe(400);
  const { rowCount } = await h.payments.runtime.pool.query(
    'SELECT 1 FROM provider_events UNION ALL SELECT 1 FROM payments',
  );
  expect(rowCount).toBe(0);
});
