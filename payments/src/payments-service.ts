import path from 'node:path';
import { createServiceApp, createServiceRuntime, listen, loadConfig } from '@ticketaka/common';
import { paymentsConfigSchema } from './config';
import type { PaymentsContext, PaymentsHooks } from './domain/payments-context';
import { refundDuePayments } from './domain/refund-payments.use-case';
import { paymentsRouter } from './entry-points/http/payments.routes';
import { providerWebhookRouter, WEBHOOK_PATH } from './entry-points/http/provider-webhook.routes';
import { RefundWorker } from './entry-points/jobs/refund.worker';
import { subscribeToOrderEvents } from './entry-points/messaging/order-events.consumer';
import { createPaymentProvider } from './providers/create-payment-provider';

export interface PaymentsServiceOptions {
  startRelay?: boolean;
  hooks?: PaymentsHooks;
}

/** Composition root: used by main.ts and, in-process on port 0, by the tests. */
export async function startPaymentsService(
  env: NodeJS.ProcessEnv = process.env,
  options: PaymentsServiceOptions = {},
) {
  const config = loadConfig('payments', paymentsConfigSchema, env);
  const runtime = await createServiceRuntime({
    name: 'payments',
    config,
    migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
    startRelay: options.startRelay,
  });
  try {
    const { provider, started } = createPaymentProvider(config, runtime.pool, runtime.logger);
    runtime.onClose(() => provider.close());

    const refunds = new RefundWorker(
      () => refundDuePayments(ctx),
      runtime.logger.child({ component: 'refunds' }),
      config.REFUND_RETRY_INTERVAL_MS,
    );
    const ctx: PaymentsContext = { runtime, provider, refunds, hooks: options.hooks ?? {} };
    runtime.onClose(() => refunds.stop());

    await subscribeToOrderEvents(runtime.bus, ctx);
    const app = createServiceApp(runtime, (a) => a.use(paymentsRouter(ctx)), {
      beforeBodyParsing: (a) => a.use(providerWebhookRouter(ctx)),
    });
    const http = await listen(runtime, app, config.PORT);
    started(`${http.url}${WEBHOOK_PATH}`);
    refunds.start();
    return {
      runtime,
      provider,
      url: http.url,
      logger: runtime.logger,
      close: () => runtime.close(),
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
