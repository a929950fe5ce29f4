import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { HOLD_SUBJECT, holdResponseSchema, ordersEvents } from '@ticketaka/common';
import { eventually, readSubject, sleep } from '@ticketaka/common/testing';
import { requestHash } from '../src/domain/order.schemas';
import {
  call,
  categoryCounts,
  holdOf,
  inventoryRow,
  newFan,
  orderRow,
  paymentSucceeded,
  placeOrder,
  setCapacity,
  startPlatform,
  type Platform,
} from './support/platform';
import { freePort } from '../../infra/src/process/port';

const STALE_SECONDS = 3;
let p: Platform;

beforeAll(async () => {
  p = await startPlatform('orders-restart', {
    env: {
      ORDER_LOCK_SECONDS: '6',
      ORDER_STALE_CREATED_SECONDS: String(STALE_SECONDS),
      HOLD_REQUEST_TIMEOUT_MS: '2000',
    },
  });
});
afterAll(async () => p.close());

/** Orders as its own process, exactly as the launcher runs it, so it can be SIGKILLed. */
async function startOrdersProcess(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const root = path.resolve(__dirname, '..', '..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'orders/src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...p.env.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => expect((await fetch(`${url}/readyz`)).status).toBe(200),
    30_000,
    100,
  );
  return { child, url };
}

/**
 * The lock's invariants between orders and tickets for one category: every held hold is an
 * order awaiting payment (same quantity) and vice versa, nothing is left `created`, and
 * tickets' held counter is exactly the sum of those orders.
 */
async function expectOrdersAndHoldsAgree(matchNumber: number, category: number) {
  const orders = await p.orders.runtime.pool.query<{
    id: string;
    status: string;
    quantity: number;
  }>(
    'SELECT id, status, quantity FROM orders WHERE match_number = $1 AND category = $2 OR (status = $3 AND kind = $4)',
    [matchNumber, category, 'created', 'primary'],
  );
  const holds = await p.tickets.runtime.pool.query<{
    order_id: string;
    status: string;
    quantity: number;
  }>('SELECT order_id, status, quantity FROM holds WHERE match_number = $1 AND category = $2', [
    matchNumber,
    category,
  ]);
  const orderById = new Map(orders.rows.map((o) => [o.id, o]));
  expect(orders.rows.filter((o) => o.status === 'created')).toEqual([]);
  for (const hold of holds.rows) {
    const order = orderById.get(hold.order_id);
    // No hold without its order: tickets never keeps seats for an order orders forgot.
    expect(order).toBeDefined();
    if (hold.status === 'held')
      expect(order).toMatchObject({ status: 'awaiting_payment', quantity: hold.quantity });
    if (order?.status === 'awaiting_payment') expect(hold.status).toBe('held');
  }
  const awaiting = orders.rows.filter((o) => o.status === 'awaiting_payment');
  for (const order of awaiting)
    expect(holds.rows.find((h) => h.order_id === order.id)?.status).toBe('held');
  const inventory = await inventoryRow(p, matchNumber, category);
  expect(inventory.held).toBe(awaiting.reduce((sum, o) => sum + o.quantity, 0));
  return { awaiting, inventory };
}

describe('orders killed and restarted mid-flow', () => {
  test('when the orders process is SIGKILLed while fans are ordering, then after a restart no answered order is lost, no hold is orphaned, and every lock still ends', async () => {
    await setCapacity(p, 40, 1, 100);
    await p.orders.close();
    const crashing = await startOrdersProcess();

    const answered: string[] = [];
    const inFlight: Promise<void>[] = [];
    let firstAnswer: () => void;
    const gotFirst = new Promise<void>((resolve) => (firstAnswer = resolve));
    for (let i = 0; i < 60; i += 1) {
      const fan = newFan(p.env);
      inFlight.push(
        call(crashing.url, 'POST', '/api/orders', {
          token: fan.token,
          body: { matchNumber: 40, category: 1, quantity: 1 },
        })
          .then((r) => {
            if (r.status !== 201) return;
            answered.push(r.body.order.id);
            firstAnswer();
          })
          .catch(() => undefined),
      );
      await sleep(4);
    }
    // Killed as soon as one fan has an answer, while the others are somewhere in the path.
    await Promise.race([gotFirst, Promise.all(inFlight)]);
    crashing.child.kill('SIGKILL');
    await Promise.all(inFlight);
    expect(answered.length).toBeGreaterThan(0);

    await p.startOrders();
    // Every order a fan was told about survived the crash, awaiting payment with its hold.
    for (const id of answered) {
      expect(await orderRow(p, id)).toMatchObject({ status: 'awaiting_payment' });
      expect(await holdOf(p, id)).toMatchObject({ status: 'held' });
    }
    // Orders caught between insert and hold answer are cancelled and their holds released.
    await eventually(() => expectOrdersAndHoldsAgree(40, 1), 20_000, 200);
    // Their announcements were not lost either: each surviving order was announced once.
    await eventually(async () => {
      const created = (
        await readSubject<{ data: { id: string } }>(
          p.orders.runtime.bus,
          ordersEvents.orderCreated.type,
        )
      ).map((e) => e.data.id);
      for (const id of answered) expect(created.filter((c) => c === id)).toHaveLength(1);
    });

    // And every lock ends: the counts return to the full capacity.
    await eventually(
      async () => {
        const { awaiting, inventory } = await expectOrdersAndHoldsAgree(40, 1);
        expect(awaiting).toEqual([]);
        expect(inventory).toMatchObject({ held: 0, sold: 0 });
      },
      20_000,
      250,
    );
    expect((await categoryCounts(p, 40, 1)).pending).toBe(100);
  }, 90_000);

  test('when orders died after recording an order and tickets had held seats for it, then the restarted service cancels it and tickets releases the seats', async () => {
    const before = (await categoryCounts(p, 41, 2)).pending;
    const fan = newFan(p.env);
    const orderId = randomUUID();
    // Exactly what the dead request left behind: the committed order, the hold it asked for.
    await p.orders.runtime.pool.query(
      `INSERT INTO orders (id, user_id, kind, match_number, category, quantity, expires_at)
       VALUES ($1, $2, 'primary', 41, 2, 3, now() + interval '15 minutes')`,
      [orderId, fan.user.id],
    );
    // Orders' request, asked by the harness while orders is down.
    const held = await (
      await p.env.harness()
    ).request(
      HOLD_SUBJECT,
      { kind: 'primary', orderId, userId: fan.user.id, matchNumber: 41, category: 2, quantity: 3 },
      holdResponseSchema,
    );
    expect(held.held).toBe(true);
    // The catalogue may answer from its cache for up to a second after the hold.
    await eventually(async () => expect((await categoryCounts(p, 41, 2)).pending).toBe(before - 3));

    await eventually(
      async () =>
        expect(await orderRow(p, orderId)).toMatchObject({
          status: 'cancelled',
          cancel_reason: 'hold_not_confirmed',
        }),
      15_000,
    );
    await eventually(async () =>
      expect(await holdOf(p, orderId)).toMatchObject({ status: 'released' }),
    );
    await eventually(async () => expect((await categoryCounts(p, 41, 2)).pending).toBe(before));
  });

  test('when a resale order died before tickets answered (its match still unknown), then it is cancelled and announced with a null match', async () => {
    const orderId = randomUUID();
    await p.orders.runtime.pool.query(
      `INSERT INTO orders (id, user_id, kind, quantity, ticket_id, expires_at)
       VALUES ($1, $2, 'resale', 1, $3, now() + interval '15 minutes')`,
      [orderId, randomUUID(), randomUUID()],
    );
    await eventually(
      async () =>
        expect(await orderRow(p, orderId)).toMatchObject({
          status: 'cancelled',
          cancel_reason: 'hold_not_confirmed',
        }),
      15_000,
    );
    await eventually(async () => {
      const cancelled = (
        await readSubject<{
          data: {
            id: string;
            matchNumber: number | null;
            category: number | null;
            version: number;
          };
        }>(p.tickets.runtime.bus, ordersEvents.orderCancelled.type)
      ).filter((e) => e.data.id === orderId);
      expect(cancelled.map((e) => [e.data.matchNumber, e.data.category, e.data.version])).toEqual([
        [null, null, 1],
      ]);
    });
  });

  test('when the fan retries with the same Idempotency-Key after such a crash, then the same order is completed with one hold instead of a second order', async () => {
    const fan = newFan(p.env);
    const orderId = randomUUID();
    const body = { matchNumber: 42, category: 1, quantity: 2 };
    await p.orders.runtime.pool.query('BEGIN');
    await p.orders.runtime.pool.query(
      `INSERT INTO orders (id, user_id, kind, match_number, category, quantity, expires_at)
       VALUES ($1, $2, 'primary', 42, 1, 2, now() + interval '15 minutes')`,
      [orderId, fan.user.id],
    );
    await p.orders.runtime.pool.query(
      'INSERT INTO idempotency_keys (user_id, key, request_hash, order_id) VALUES ($1, $2, $3, $4)',
      [fan.user.id, 'retry-after-crash', requestHash(body), orderId],
    );
    await p.orders.runtime.pool.query('COMMIT');

    const response = await placeOrder(p, fan, body, { 'Idempotency-Key': 'retry-after-crash' });
    expect(response.status).toBe(201);
    expect(response.body.order).toMatchObject({
      id: orderId,
      status: 'awaiting_payment',
      amountCents: 15000,
    });
    expect(await holdOf(p, orderId)).toEqual({ status: 'held', quantity: 2 });
    const { rows } = await p.orders.runtime.pool.query(
      'SELECT count(*)::int AS n FROM orders WHERE user_id = $1',
      [fan.user.id],
    );
    expect(rows[0].n).toBe(1);
  });

  test('when orders is restarted gracefully between order and payment, then the order is still there and the payment completes it', async () => {
    const fan = newFan(p.env);
    const placed = await placeOrder(p, fan, { matchNumber: 43, category: 3, quantity: 1 });
    expect(placed.status).toBe(201);
    await p.orders.close();
    // The payment is announced while orders is down; its durable consumer gets it on return.
    const paymentId = await paymentSucceeded(p, placed.body.order);
    await p.startOrders();
    await eventually(async () =>
      expect(await orderRow(p, placed.body.order.id)).toMatchObject({ status: 'complete' }),
    );
    const read = await call(p.orders.url, 'GET', `/api/orders/${placed.body.order.id}`, {
      token: fan.token,
    });
    expect(read.body.order).toMatchObject({ status: 'complete', paymentId });
    await eventually(async () =>
      expect(await holdOf(p, placed.body.order.id)).toMatchObject({ status: 'sold' }),
    );
  });
});
