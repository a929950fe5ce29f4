import { createHmac } from 'node:crypto';

/**
 * Stripe's webhook signing scheme, written out so the sandbox signs exactly as Stripe does:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The webhook route verifies
 * both providers' webhooks with Stripe's own library.
 */
export function signWebhookPayload(
  payload: string,
  secret: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): string {
  const signature = createHmac('sha256', secret)
    .update(`${timestampSeconds}.${payload}`, 'utf8')
    .digest('hex');
  return `t=${timestampSeconds},v1=${signature}`;
}
