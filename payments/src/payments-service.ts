import path from 'node:path';
import { defineService } from '@ticketaka/common';
import { paymentsConfigSchema } from './config';
import type { PaymentsContext, PaymentsHooks } from './domain/payments-context';
import { refundDuePayments } from './domain/refund-payments.use-case';
import { paymentsRouter } from './entry-points/http/payments.routes';
import { providerWebhookRouter, WEBHOOK_PATH } from './entry-points/http/provider-webhook.routes';
import { RefundWorker } from './entry-points/jobs/refund.worker';
import { consumeOrderEvents } from './entry-points/messaging/order-events.consumer';
import { createPaymentProvider } from './providers/create-payment-provider';

export interface PaymentsServiceOptions {
  hooks?: PaymentsHooks;
}

export const startPaymentsService = defineService({
  name: 'payments',
  config: paymentsConfigSchema,
  migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
  setup: async (runtime, options: PaymentsServiceOptions) => {
    const { provider, started } = createPaymentProvider(
      runtime.config,
      runtime.pool,
      runtime.logger,
    );
    runtime.onClose(() => provider.close());

    const refunds = new RefundWorker(
      () => refundDuePayments(ctx),
      runtime.logger.child({ component: 'refunds' }),
      runtime.config.REFUND_RETRY_INTERVAL_MS,
    );
    const ctx: PaymentsContext = { runtime, provider, refunds, hooks: options.hooks ?? {} };
    runtime.onClose(() => refunds.stop());

    // Stripe retries a webhook for up to 3 days; its event ids are remembered well beyond that.
    runtime.retention.retain({ table: 'provider_events', column: 'received_at', keepDays: 30 });
    await consumeOrderEvents(ctx);
    return {
      routes: (app) => app.use(paymentsRouter(ctx)),
      app: { beforeBodyParsing: (app) => app.use(providerWebhookRouter(ctx)) },
      onListening: (http) => {
        started(`${http.url}${WEBHOOK_PATH}`);
        refunds.start();
      },
      expose: { provider },
    };
  },
});
