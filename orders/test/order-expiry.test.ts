import Queue from 'bull';
import { expirationEvents, ordersEvents, redisUrlFor } from '@ticketaka/common';
import { eventually, readSubject, sleep } from '@ticketaka/common/testing';
import { EXPIRATION_QUEUE_NAME } from '../../expiration/src/data-access/expiration-queue';
import type { OrderView } from '../src/domain/order.schemas';
import {
  call,
  categoryCounts,
  holdOf,
  newFan,
  orderRow,
  paymentSucceeded,
  placeOrder,
  startPlatform,
  type Platform,
} from './support/platform';

const LOCK_SECONDS = 2;
let p: Platform;
let bull: Queue.Queue;

beforeAll(async () => {
  // The production sweep interval: the bound on how late a lock can end is what is tested.
  p = await startPlatform('orders-expiry', {
    env: { ORDER_LOCK_SECONDS: String(LOCK_SECONDS), ORDER_SWEEP_INTERVAL_MS: '1000' },
    orders: { startSweeper: false },
  });
  // Expiration's own queue, so as expiration's Redis user.
  const redisUrl = redisUrlFor(
    p.env.env.REDIS_URL as string,
    p.env.env.CREDENTIALS_DIR as string,
    'expiration',
  );
  bull = new Queue(EXPIRATION_QUEUE_NAME, redisUrl, {
    prefix: p.env.env.REDIS_PREFIX,
  });
});
afterAll(async () => {
  await bull.obliterate({ force: true }).catch(() => undefined);
  await bull.close();
  await p.close();
});

async function anOrder(matchNumber: number, category = 1, quantity = 2): Promise<OrderView> {
  const response = await placeOrder(p, newFan(p.env), { matchNumber, category, quantity });
  expect(response.status).toBe(201);
  return response.body.order;
}

/** Polls until the order is expired; returns how long after its deadline that was seen. */
async function expiredLateBy(order: OrderView, timeoutMs = 15_000): Promise<number> {
  await eventually(
    async () => expect((await orderRow(p, order.id))?.status).toBe('expired'),
    timeoutMs,
    25,
  );
  return Date.now() - new Date(order.expiresAt).getTime();
}

const timerEventsOf = async (orderId: string) =>
  (
    await readSubject<{ data: { orderId: string } }>(
      p.orders.runtime.bus,
      expirationEvents.expirationOrderExpired.type,
    )
  ).filter((e) => e.data.orderId === orderId);
const expiredEventsOf = async (orderId: string) =>
  (
    await readSubject<{ data: { id: string; version: number } }>(
      p.orders.runtime.bus,
      ordersEvents.orderExpired.type,
    )
  ).filter((e) => e.data.id === orderId);

async function expectReleased(order: OrderView, pendingBefore: number) {
  await eventually(async () =>
    expect(await holdOf(p, order.id)).toMatchObject({ status: 'released' }),
  );
  await eventually(async () =>
    expect(
      (await categoryCounts(p, order.matchNumber as number, order.category as number)).pending,
    ).toBe(pendingBefore),
  );
}

describe('a lock ends on time', () => {
  test('when nobody pays, then the Bull timer alone (no sweeper) expires the order, the hold is released and the counts come back', async () => {
    const before = (await categoryCounts(p, 30, 1)).pending;
    const order = await anOrder(30);
    await eventually(async () => expect((await categoryCounts(p, 30, 1)).pending).toBe(before - 2));

    const job = await eventually(async () => {
      const found = await bull.getJob(order.id);
      expect(found).not.toBeNull();
      return found as Queue.Job;
    });
    // Scheduled for the order's own deadline (less however long the event took to arrive).
    expect(job.opts.delay).toBeGreaterThan(0);
    expect(job.opts.delay).toBeLessThanOrEqual(LOCK_SECONDS * 1000);

    const late = await expiredLateBy(order);
    expect(late).toBeLessThan(3000);
    await expectReleased(order, before);
    expect(await timerEventsOf(order.id)).toHaveLength(1);
    await eventually(async () =>
      expect((await expiredEventsOf(order.id)).map((e) => e.data.version)).toEqual([2]),
    );
  });

  test('when an order has expired, then cancelling it is refused with 409 and it stays expired', async () => {
    const fan = newFan(p.env);
    const placed = await placeOrder(p, fan, { matchNumber: 30, category: 2, quantity: 1 });
    const order = placed.body.order;
    await expiredLateBy(order);
    const response = await call(p.orders.url, 'DELETE', `/api/orders/${order.id}`, {
      token: fan.token,
    });
    expect(response.status).toBe(409);
    expect(response.body.errors[0].code).toBe('order_not_cancellable');
    expect(await orderRow(p, order.id)).toMatchObject({ status: 'expired', version: 2 });
  });
});

describe('the sweeper backs the Bull job up', () => {
  beforeAll(async () => {
    await p.orders.close();
    await p.startOrders();
  });

  test('when the Bull job is deleted from Redis, then the sweeper still expires the order within a few seconds of its deadline', async () => {
    const before = (await categoryCounts(p, 31, 1)).pending;
    const order = await anOrder(31);
    const job = await eventually(async () => {
      const found = await bull.getJob(order.id);
      expect(found).not.toBeNull();
      return found as Queue.Job;
    });
    await job.remove();
    expect(await bull.getJob(order.id)).toBeNull();

    const late = await expiredLateBy(order);
    expect(late).toBeLessThan(4000);
    await expectReleased(order, before);
    // No timer fired for it: the sweeper ended it.
    expect(await timerEventsOf(order.id)).toEqual([]);
    await eventually(async () => expect(await expiredEventsOf(order.id)).toHaveLength(1));
  });

  test('when the expiration service is stopped, then orders still end every lock within a few seconds of its deadline', async () => {
    await p.expiration?.close();
    try {
      const before = (await categoryCounts(p, 32, 1)).pending;
      const orders = await Promise.all([anOrder(32, 1, 1), anOrder(32, 1, 1), anOrder(32, 1, 2)]);
      const lateness = await Promise.all(orders.map((o) => expiredLateBy(o)));
      for (const late of lateness) expect(late).toBeLessThan(4000);
      for (const order of orders)
        await eventually(async () =>
          expect(await holdOf(p, order.id)).toMatchObject({ status: 'released' }),
        );
      await eventually(async () => expect((await categoryCounts(p, 32, 1)).pending).toBe(before));
    } finally {
      await p.startExpiration();
    }
  });

  test('when a payment arrives after the order expired, then it is not completed: payment-rejected asks for a refund and the seats stay released', async () => {
    const order = await anOrder(33);
    await expiredLateBy(order);
    const paymentId = await paymentSucceeded(p, order);
    await eventually(async () => {
      const rejected = (
        await readSubject<{ data: { orderId: string } }>(
          p.orders.runtime.bus,
          ordersEvents.orderPaymentRejected.type,
        )
      ).filter((e) => e.data.orderId === order.id);
      expect(rejected.map((e) => e.data)).toEqual([
        { orderId: order.id, paymentId, orderStatus: 'expired', reason: 'order_expired' },
      ]);
    });
    expect(await orderRow(p, order.id)).toMatchObject({ status: 'expired', version: 2 });
    await eventually(async () =>
      expect(await holdOf(p, order.id)).toMatchObject({ status: 'released' }),
    );
  });

  test('when payments and expiry race at the deadline, then each order ends exactly one way: paid and sold, or expired, released and refunded', async () => {
    const orders = await Promise.all(Array.from({ length: 6 }, () => anOrder(34, 2, 1)));
    // Aim the payments at the deadline itself, where timer, sweeper and payment meet.
    await sleep(Math.max(0, new Date(orders[0]!.expiresAt).getTime() - Date.now() - 30));
    const payments = await Promise.all(orders.map((o) => paymentSucceeded(p, o)));

    await eventually(async () => {
      for (const order of orders)
        expect(['complete', 'expired']).toContain((await orderRow(p, order.id))?.status);
    }, 15_000);
    await sleep(1500);
    const rejected = (
      await readSubject<{ data: { orderId: string; paymentId: string } }>(
        p.orders.runtime.bus,
        ordersEvents.orderPaymentRejected.type,
      )
    ).map((e) => e.data.orderId);
    for (const [i, order] of orders.entries()) {
      const row = await orderRow(p, order.id);
      const hold = await holdOf(p, order.id);
      if (row?.status === 'complete') {
        expect(hold?.status).toBe('sold');
        expect(rejected).not.toContain(order.id);
      } else {
        expect(row?.status).toBe('expired');
        expect(hold?.status).toBe('released');
        expect(rejected.filter((id) => id === order.id)).toHaveLength(1);
      }
      expect(payments[i]).toBeDefined();
    }
  });
});
