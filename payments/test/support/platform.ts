import { createTestEnvironment, type TestEnvironment } from '@ticketaka/common/testing';
import { startExpirationService } from '../../../expiration/src/expiration-service';
import { startOrdersService } from '../../../orders/src/orders-service';
import { startTicketsService } from '../../../tickets/src/tickets-service';
import { startPaymentsService } from '../../src/payments-service';
import { call, newFan, type Fan } from './payments';

/**
 * The whole purchase path in-process, each service real, on the real PostgreSQL, NATS and
 * Redis: tickets (inventory, holds, issued tickets), orders, expiration (Bull timers) and
 * payments with its sandbox provider.
 */
export interface Platform {
  env: TestEnvironment;
  tickets: Awaited<ReturnType<typeof startTicketsService>>;
  orders: Awaited<ReturnType<typeof startOrdersService>>;
  expiration: Awaited<ReturnType<typeof startExpirationService>>;
  payments: Awaited<ReturnType<typeof startPaymentsService>>;
  fan(): Fan;
  close(): Promise<void>;
}

export async function startPlatform(
  label: string,
  settings: Record<string, string> = {},
): Promise<Platform> {
  const env = await createTestEnvironment(label);
  Object.assign(env.env, {
    ORDER_SWEEP_INTERVAL_MS: '250',
    REFUND_RETRY_INTERVAL_MS: '250',
    ...settings,
  });
  const tickets = await startTicketsService(env.env);
  const orders = await startOrdersService(env.env);
  const expiration = await startExpirationService(env.env);
  const payments = await startPaymentsService(env.env);
  return {
    env,
    tickets,
    orders,
    expiration,
    payments,
    fan: () => newFan(env),
    close: async () => {
      for (const service of [payments, expiration, orders, tickets])
        await service.close().catch(() => undefined);
      await env.cleanup();
    },
  };
}

export async function placeOrder(
  p: Platform,
  fan: Fan,
  body: { matchNumber: number; category: number; quantity: number },
) {
  const response = await call(p.orders.url, 'POST', '/api/orders', { token: fan.token, body });
  if (response.status !== 201)
    throw new Error(`order not placed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.order as {
    id: string;
    status: string;
    amountCents: number;
    currency: string;
    expiresAt: string;
  };
}

export const orderOf = async (p: Platform, fan: Fan, orderId: string) =>
  (await call(p.orders.url, 'GET', `/api/orders/${orderId}`, { token: fan.token })).body.order as {
    status: string;
  };

/** One category as tickets shows it publicly. */
export async function counts(p: Platform, matchNumber: number, category: number) {
  const { body } = await call(p.tickets.url, 'GET', `/api/matches/${matchNumber}`);
  const found = body.match.categories.find((c: { category: number }) => c.category === category);
  return { available: found.available as number, pending: found.pending as number };
}

export async function ticketsOf(p: Platform, fan: Fan, orderId: string) {
  const { body } = await call(p.tickets.url, 'GET', '/api/tickets/mine', { token: fan.token });
  return (body.tickets as { orderId: string; status: string }[]).filter(
    (t) => t.orderId === orderId,
  );
}
