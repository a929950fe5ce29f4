import path from 'node:path';
import { defineService } from '@ticketaka/common';
import { ordersConfigSchema } from './config';
import { startOrderSweeper } from './domain/expire-order.use-case';
import { ordersRouter } from './entry-points/http/orders.routes';
import { consumeHoldDecisions } from './entry-points/messaging/hold-decided.consumer';
import { consumeLockExpired } from './entry-points/messaging/lock-expired.consumer';
import { serveOrderOwnership } from './entry-points/messaging/order-ownership.responder';
import { consumePaymentSucceeded } from './entry-points/messaging/payment-succeeded.consumer';

export interface OrdersServiceOptions {
  /** Tests that prove the Bull path alone ends a lock start the service without its sweeper. */
  startSweeper?: boolean;
}

export const startOrdersService = defineService({
  name: 'orders',
  config: ordersConfigSchema,
  migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
  setup: async (runtime, options: OrdersServiceOptions) => {
    await consumePaymentSucceeded(runtime);
    await consumeLockExpired(runtime);
    await consumeHoldDecisions(runtime);
    serveOrderOwnership(runtime);
    // Stripe keeps idempotency keys 24 h; a fan's retry a week later is a new purchase.
    runtime.retention.retain({ table: 'idempotency_keys', column: 'created_at', keepDays: 7 });
    if (options.startSweeper !== false) {
      const sweeper = startOrderSweeper(runtime);
      runtime.onClose(() => sweeper.stop());
    }
    return { routes: (app) => app.use(ordersRouter(runtime)) };
  },
});
