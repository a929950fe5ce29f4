/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON, read by assertions */
import { randomUUID } from 'node:crypto';
import { paymentsEvents } from '@ticketaka/common';
import {
  call,
  createTestEnvironment,
  newFan,
  type ApiResponse,
  type Fan,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { startExpirationService } from '../../../expiration/src/expiration-service';
import { startTicketsService } from '../../../tickets/src/tickets-service';
import { startOrdersService, type OrdersServiceOptions } from '../../src/orders-service';
import type { OrderView } from '../../src/domain/order.schemas';

export type Orders = Awaited<ReturnType<typeof startOrdersService>>;
export type Tickets = Awaited<ReturnType<typeof startTicketsService>>;
export type Expiration = Awaited<ReturnType<typeof startExpirationService>>;

/**
 * The real neighbours of orders, in-process: tickets (holds, counts, resale) and expiration
 * (Bull timers), all on the real PostgreSQL, NATS and Redis of the test run.
 */
export interface Platform {
  env: TestEnvironment;
  tickets: Tickets;
  orders: Orders;
  expiration?: Expiration;
  startOrders(options?: OrdersServiceOptions): Promise<Orders>;
  startExpiration(): Promise<Expiration>;
  close(): Promise<void>;
}

export async function startPlatform(
  label: string,
  settings: {
    env?: Record<string, string>;
    orders?: OrdersServiceOptions;
    expiration?: boolean;
  } = {},
): Promise<Platform> {
  const env = await createTestEnvironment(label);
  Object.assign(env.env, {
    ORDER_LOCK_SECONDS: '30',
    ORDER_SWEEP_INTERVAL_MS: '250',
    ...settings.env,
  });
  const tickets = await startTicketsService(env.env);
  const platform: Platform = {
    env,
    tickets,
    orders: undefined as unknown as Orders,
    startOrders: async (options) => (platform.orders = await startOrdersService(env.env, options)),
    startExpiration: async () => (platform.expiration = await startExpirationService(env.env)),
    close: async () => {
      await platform.orders?.close().catch(() => undefined);
      await platform.expiration?.close().catch(() => undefined);
      await tickets.close();
      await env.cleanup();
    },
  };
  await platform.startOrders(settings.orders);
  if (settings.expiration !== false) await platform.startExpiration();
  return platform;
}

export { call, newFan, type ApiResponse, type Fan };

export const placeOrder = (
  p: Platform,
  fan: Fan,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  call<{ order: OrderView; errors?: any[] }>(p.orders.url, 'POST', '/api/orders', {
    token: fan.token,
    body,
    headers,
  });

/** One category as tickets shows it publicly. */
export async function categoryCounts(p: Platform, matchNumber: number, category: number) {
  const { body } = await call(p.tickets.url, 'GET', `/api/matches/${matchNumber}`);
  const found = body.match.categories.find((c: { category: number }) => c.category === category);
  if (!found) throw new Error(`match ${matchNumber} has no category ${category}`);
  return found as { capacity: number; available: number; pending: number; state: string };
}

/** Tickets' own record of an order's hold (read from its database, as only a test may). */
export async function holdOf(
  p: Platform,
  orderId: string,
): Promise<{ status: string; quantity: number } | undefined> {
  const { rows } = await p.tickets.runtime.pool.query(
    'SELECT status, quantity FROM holds WHERE order_id = $1',
    [orderId],
  );
  return rows[0];
}

export async function inventoryRow(p: Platform, matchNumber: number, category: number) {
  const { rows } = await p.tickets.runtime.pool.query(
    'SELECT capacity, sold, held, partner_held, partner_sold FROM inventory WHERE match_number = $1 AND category = $2',
    [matchNumber, category],
  );
  return rows[0] as {
    capacity: number;
    sold: number;
    held: number;
    partner_held: number;
    partner_sold: number;
  };
}

export async function setCapacity(
  p: Platform,
  matchNumber: number,
  category: number,
  capacity: number,
) {
  await p.tickets.runtime.pool.query(
    'UPDATE inventory SET capacity = $3 WHERE match_number = $1 AND category = $2',
    [matchNumber, category, capacity],
  );
}

/** What payments would announce after charging the fan for an order. */
export async function paymentSucceeded(
  p: Platform,
  order: { id: string; userId: string; amountCents: number; currency: string },
  overrides: { paymentId?: string; eventId?: string } = {},
) {
  const paymentId = overrides.paymentId ?? randomUUID();
  // Published by the harness (payments' part), so it works while orders is down.
  await p.env.publish(
    paymentsEvents.paymentSucceeded.create(
      {
        id: paymentId,
        orderId: order.id,
        userId: order.userId,
        amountCents: order.amountCents,
        currency: order.currency,
        provider: 'sandbox',
        providerPaymentId: `sandbox_${paymentId}`,
        version: 1,
      },
      overrides.eventId ? { id: overrides.eventId } : {},
    ),
  );
  return paymentId;
}

export async function orderRow(p: Platform, orderId: string) {
  const { rows } = await p.orders.runtime.pool.query(
    'SELECT status, cancel_reason, version FROM orders WHERE id = $1',
    [orderId],
  );
  return rows[0] as { status: string; cancel_reason: string | null; version: number } | undefined;
}
