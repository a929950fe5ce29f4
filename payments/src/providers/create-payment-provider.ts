import type { Logger } from 'pino';
import type { Pool } from '@ticketaka/common';
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
  const sender = new SandboxWebhookSender(
    pool,
    config.SANDBOX_WEBHOOK_SECRET,
    logger.child({ component: 'sandbox-webhooks' }),
  );
  const provider = new SandboxPaymentProvider(
    pool,
    config.SANDBOX_WEBHOOK_SECRET,
    sender,
    config.SANDBOX_WEBHOOK_DELAY_MS,
  );
  logger.warn({ mode: provider.mode }, 'payment provider: sandbox; no real money moves');
  return {
    provider,
    started: (ownWebhookUrl) => sender.start(config.SANDBOX_WEBHOOK_URL ?? ownWebhookUrl),
  };
}
