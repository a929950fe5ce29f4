import path from 'node:path';
import { createServiceApp, createServiceRuntime, listen, loadConfig } from '@ticketaka/common';
import { ordersConfigSchema } from './config';
import { startOrderSweeper } from './domain/expire-order.use-case';
import { ordersRouter } from './entry-points/http/orders.routes';
import { subscribeHoldDecisions } from './entry-points/messaging/hold-decided.consumer';
import { subscribeLockExpired } from './entry-points/messaging/lock-expired.consumer';
import { serveOrderOwnership } from './entry-points/messaging/order-ownership.responder';
import { subscribePaymentSucceeded } from './entry-points/messaging/payment-succeeded.consumer';

export interface OrdersServiceOptions {
  startRelay?: boolean;
  /** Tests that prove the Bull path alone ends a lock start the service without its sweeper. */
  startSweeper?: boolean;
}

/** Composition root: used by main.ts and, in-process on port 0, by the tests. */
export async function startOrdersService(
  env: NodeJS.ProcessEnv = process.env,
  options: OrdersServiceOptions = {},
) {
  const config = loadConfig('orders', ordersConfigSchema, env);
  const runtime = await createServiceRuntime({
    name: 'orders',
    config,
    migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
    startRelay: options.startRelay,
  });
  try {
    await subscribePaymentSucceeded(runtime);
    await subscribeLockExpired(runtime);
    await subscribeHoldDecisions(runtime);
    serveOrderOwnership(runtime);
    if (options.startSweeper !== false) {
      const sweeper = startOrderSweeper(runtime);
      runtime.onClose(() => sweeper.stop());
    }
    const app = createServiceApp(runtime, (a) => a.use(ordersRouter(runtime)));
    const http = await listen(runtime, app, config.PORT);
    return { runtime, url: http.url, logger: runtime.logger, close: () => runtime.close() };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
