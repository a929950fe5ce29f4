import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { localSecret, type Pool } from '@ticketaka/common';
import type { PaymentsConfig } from '../config';
import type { PaymentProvider } from '../domain/payment-provider';
import { SandboxPaymentProvider } from './sandbox/sandbox-payment.provider';
import { SandboxWebhookSender } from './sandbox/sandbox-webhook.sender';
import { StripePaymentProvider } from './stripe-payment.provider';

export interface ConfiguredProvider {
  provider: PaymentProvider;
  /** Called once the service listens: the sandbox then starts delivering its webhooks there. */
  started(ownWebhookUrl: string): void;
}

/** The configuration already refused what is not allowed (e.g. the sandbox in production). */
export function createPaymentProvider(
  config: PaymentsConfig,
  pool: Pool,
  logger: Logger,
): ConfiguredProvider {
  if (config.PAYMENT_PROVIDER === 'stripe') {
    const provider = new StripePaymentProvider({
      secretKey: config.STRIPE_SECRET_KEY!,
      webhookSecret: config.STRIPE_WEBHOOK_SECRET!,
      apiBase: config.STRIPE_API_BASE,
    });
    logger.info(
      { mode: provider.mode, apiBase: config.STRIPE_API_BASE ?? 'api.stripe.com' },
      'payment provider: stripe',
    );
    return { provider, started: () => undefined };
  }
  const secret = sandboxWebhookSecret(config);
  const sender = new SandboxWebhookSender(
    pool,
    secret,
    logger.child({ component: 'sandbox-webhooks' }),
  );
  const provider = new SandboxPaymentProvider(
    pool,
    secret,
    sender,
    config.SANDBOX_WEBHOOK_DELAY_MS,
  );
  logger.warn({ mode: provider.mode }, 'payment provider: sandbox; no real money moves');
  return {
    provider,
    started: (ownWebhookUrl) => sender.start(config.SANDBOX_WEBHOOK_URL ?? ownWebhookUrl),
  };
}

/** Configured, or this installation's own, made at random on first use (local runs). */
export const sandboxWebhookSecret = (config: PaymentsConfig) =>
  config.SANDBOX_WEBHOOK_SECRET ??
  localSecret(
    config.JWT_KEYS_DIR,
    'sandbox-webhook-secret',
    () => `whsec_${randomBytes(32).toString('base64url')}`,
  );
