import { randomUUID } from 'node:crypto';
import { ordersEvents, type EventBus } from '@ticketaka/common';
import {
  call,
  createTestEnvironment,
  newFan,
  readSubject,
  type Fan,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { startPaymentsService, type PaymentsServiceOptions } from '../../src/payments-service';

export type Payments = Awaited<ReturnType<typeof startPaymentsService>>;

export const CARDS = {
  succeeds: { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2034, cvc: '123' },
  declined: { number: '4000 0000 0000 0002', expMonth: 12, expYear: 2034, cvc: '123' },
  insufficientFunds: { number: '4000 0000 0000 9995', expMonth: 12, expYear: 2034, cvc: '123' },
};

export interface PaymentsHarness {
  env: TestEnvironment;
  payments: Payments;
  restart(options?: PaymentsServiceOptions): Promise<Payments>;
  close(): Promise<void>;
}

/** Payments alone, on the real servers; orders' events are published by hand. */
export async function startPaymentsHarness(
  label: string,
  settings: { env?: Record<string, string>; options?: PaymentsServiceOptions } = {},
): Promise<PaymentsHarness> {
  const env = await createTestEnvironment(label);
  Object.assign(env.env, {
    ORDER_PROJECTION_WAIT_MS: '1500',
    REFUND_RETRY_INTERVAL_MS: '200',
    ...settings.env,
  });
  const harness: PaymentsHarness = {
    env,
    payments: await startPaymentsService(env.env, settings.options),
    restart: async (options) => {
      await harness.payments.close();
      harness.payments = await startPaymentsService(env.env, options);
      return harness.payments;
    },
    close: async () => {
      await harness.payments.close().catch(() => undefined);
      await env.cleanup();
    },
  };
  return harness;
}

export { call, newFan, type Fan };

export const pay = (payments: Payments, fan: Fan, body: Record<string, unknown>) =>
  call(payments.url, 'POST', '/api/payments', { token: fan.token, body });
export const paymentOf = (payments: Payments, fan: Fan, orderId: string) =>
  call(payments.url, 'GET', `/api/payments/${orderId}`, { token: fan.token });

export interface TestOrder {
  id: string;
  userId: string;
  kind: 'primary';
  matchNumber: number;
  category: number;
  quantity: number;
  ticketId: null;
  amountCents: number;
  currency: string;
  status: 'awaiting_payment' | 'complete' | 'cancelled' | 'expired' | 'created';
  expiresAt: string;
  version: number;
}

/** An order as orders announces it once its hold is confirmed (version 2, awaiting payment). */
export function anOrder(fan: Fan, overrides: Partial<TestOrder> = {}): TestOrder {
  return {
    id: randomUUID(),
    userId: fan.user.id,
    kind: 'primary',
    matchNumber: 7,
    category: 1,
    quantity: 2,
    ticketId: null,
    amountCents: 15000,
    currency: 'USD',
    status: 'awaiting_payment',
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    version: 2,
    ...overrides,
  };
}

export const announceCreated = (bus: EventBus, order: TestOrder) =>
  bus.publish(ordersEvents.orderCreated.create(order));
export const announceExpired = (bus: EventBus, order: TestOrder) =>
  bus.publish(
    ordersEvents.orderExpired.create({ ...order, status: 'expired', version: order.version + 1 }),
  );
export const announceCancelled = (bus: EventBus, order: TestOrder, reason = 'cancelled_by_fan') =>
  bus.publish(
    ordersEvents.orderCancelled.create({
      ...order,
      status: 'cancelled',
      version: order.version + 1,
      reason,
    }),
  );
export const announceCompleted = (bus: EventBus, order: TestOrder, paymentId = randomUUID()) =>
  bus.publish(
    ordersEvents.orderCompleted.create({
      ...order,
      status: 'complete',
      version: order.version + 1,
      paymentId,
    }),
  );

export async function projected(payments: Payments, orderId: string) {
  const { rows } = await payments.runtime.pool.query(
    'SELECT status, version FROM orders WHERE id = $1',
    [orderId],
  );
  return rows[0] as { status: string; version: number } | undefined;
}

/** Every payments.* event published for an order, read from the stream itself. */
export async function eventsFor(payments: Payments, type: string, orderId: string) {
  const all = await readSubject<{
    id: string;
    data: { orderId: string; reason?: string; version: number; amountCents: number };
  }>(payments.runtime.bus, type);
  return all.filter((e) => e.data.orderId === orderId);
}

/** The sandbox's own books: how many times the order's card was actually charged. */
export async function sandboxCharges(payments: Payments, orderId: string) {
  const { rows } = await payments.runtime.pool.query(
    `SELECT c.outcome FROM sandbox_charges c JOIN sandbox_intents i ON i.id = c.intent_id
     WHERE i.metadata->>'ticketaka_order_id' = $1`,
    [orderId],
  );
  return {
    succeeded: rows.filter((r) => r.outcome === 'succeeded').length,
    declined: rows.filter((r) => r.outcome === 'declined').length,
  };
}

export async function sandboxRefunds(payments: Payments, orderId: string) {
  const { rows } = await payments.runtime.pool.query(
    `SELECT r.amount_cents FROM sandbox_refunds r JOIN sandbox_intents i ON i.id = r.intent_id
     WHERE i.metadata->>'ticketaka_order_id' = $1`,
    [orderId],
  );
  return rows as { amount_cents: number }[];
}
