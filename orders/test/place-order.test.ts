import { ordersEvents } from '@ticketaka/common';
import { eventually, readSubject, sleep } from '@ticketaka/common/testing';
import {
  call,
  categoryCounts,
  holdOf,
  inventoryRow,
  newFan,
  placeOrder,
  setCapacity,
  startPlatform,
  type Platform,
} from './support/platform';

let p: Platform;

beforeAll(async () => {
  p = await startPlatform('orders-place', { env: { ORDER_LOCK_SECONDS: '120' } });
});
afterAll(async () => p.close());

const orderCount = async () =>
  Number((await p.orders.runtime.pool.query('SELECT count(*) FROM orders')).rows[0].count);
const outboxCount = async () =>
  Number((await p.orders.runtime.pool.query('SELECT count(*) FROM outbox')).rows[0].count);
const createdEventsOf = async (orderId: string) =>
  (
    await readSubject<{ data: { id: string; version: number } }>(
      p.orders.runtime.bus,
      ordersEvents.orderCreated.type,
    )
  ).filter((e) => e.data.id === orderId);

describe('placing a primary order', () => {
  test('when a fan orders 2 tickets, then 201 awaiting_payment with the price from tickets, a 15-minute-style lock, one hold and one versioned event', async () => {
    const fan = newFan(p.env);
    const before = await categoryCounts(p, 3, 2);
    const started = Date.now();
    const response = await placeOrder(p, fan, { matchNumber: 3, category: 2, quantity: 2 });

    expect(response.status).toBe(201);
    const { order } = response.body;
    expect(order).toMatchObject({
      userId: fan.user.id,
      kind: 'primary',
      matchNumber: 3,
      category: 2,
      quantity: 2,
      ticketId: null,
      unitPriceCents: 12500,
      amountCents: 25000,
      currency: 'USD',
      status: 'awaiting_payment',
      version: 1,
    });
    const lockMs = new Date(order.expiresAt).getTime() - started;
    expect(lockMs).toBeGreaterThan(118_000);
    expect(lockMs).toBeLessThan(122_000);

    expect(await holdOf(p, order.id)).toEqual({ status: 'held', quantity: 2 });
    expect((await categoryCounts(p, 3, 2)).pending).toBe(before.pending - 2);
    await eventually(async () => expect(await createdEventsOf(order.id)).toHaveLength(1));
    expect((await createdEventsOf(order.id))[0]?.data.version).toBe(1);

    const read = await call(p.orders.url, 'GET', `/api/orders/${order.id}`, { token: fan.token });
    expect(read.status).toBe(200);
    expect(read.body.order).toEqual(order);
  });

  test('when the client sends its own price, then 400 and nothing is written: prices come from the server only', async () => {
    const fan = newFan(p.env);
    const [orders, events] = [await orderCount(), await outboxCount()];
    const response = await placeOrder(p, fan, {
      matchNumber: 3,
      category: 1,
      quantity: 1,
      amountCents: 1,
    });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]).toMatchObject({ code: 'validation_failed' });
    expect([await orderCount(), await outboxCount()]).toEqual([orders, events]);
  });

  test.each([
    ['a zero quantity', { matchNumber: 3, category: 1, quantity: 0 }, 'quantity'],
    ['a fractional quantity', { matchNumber: 3, category: 1, quantity: 1.5 }, 'quantity'],
    ['category 4', { matchNumber: 3, category: 4, quantity: 1 }, 'category'],
    ['a match number as text', { matchNumber: 'three', category: 1, quantity: 1 }, 'matchNumber'],
    ['no quantity', { matchNumber: 3, category: 1 }, 'quantity'],
    ['a ticket id that is not a uuid', { ticketId: 'abc' }, 'ticketId'],
    [
      'both a ticket and a category',
      { ticketId: '7f0cf2a4-5b0e-4c1b-9a57-1f4f1b0b6f10', category: 1 },
      undefined,
    ],
  ])(
    'when the body has %s, then 400 naming the field and nothing is written',
    async (_name, body, field) => {
      const fan = newFan(p.env);
      const [orders, events] = [await orderCount(), await outboxCount()];
      const response = await placeOrder(p, fan, body);
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]?.code).toBe('validation_failed');
      if (field)
        expect(response.body.errors?.map((e: { field?: string }) => e.field)).toContain(field);
      expect([await orderCount(), await outboxCount()]).toEqual([orders, events]);
    },
  );

  test('when the body is not JSON, then 400 malformed_json', async () => {
    const response = await placeOrder(p, newFan(p.env), '{"matchNumber": 3,');
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.code).toBe('malformed_json');
  });

  test('when nobody is signed in, then 401 and nothing is written', async () => {
    const orders = await orderCount();
    const response = await call(p.orders.url, 'POST', '/api/orders', {
      body: { matchNumber: 3, category: 1, quantity: 1 },
    });
    expect(response.status).toBe(401);
    expect(await orderCount()).toBe(orders);
  });

  test('when the match does not exist, then 404 from tickets and no order is left behind', async () => {
    const orders = await orderCount();
    const response = await placeOrder(p, newFan(p.env), {
      matchNumber: 999,
      category: 1,
      quantity: 1,
    });
    expect(response.status).toBe(404);
    expect(response.body.errors?.[0]?.code).toBe('category_not_found');
    expect(await orderCount()).toBe(orders);
  });

  test('when fewer tickets are left than asked for, then 409 not_enough_tickets says how many are left, and the refused order is deleted (no order, no hold), leaving only the refusal as a fact', async () => {
    await setCapacity(p, 5, 1, 3);
    expect(
      (await placeOrder(p, newFan(p.env), { matchNumber: 5, category: 1, quantity: 2 })).status,
    ).toBe(201);
    const [orders, events] = [await orderCount(), await outboxCount()];

    const fan = newFan(p.env);
    const response = await placeOrder(p, fan, { matchNumber: 5, category: 1, quantity: 2 });
    expect(response.status).toBe(409);
    expect(response.body.errors?.[0]).toMatchObject({
      code: 'not_enough_tickets',
      available: 1,
      field: 'quantity',
    });
    expect([await orderCount(), await outboxCount()]).toEqual([orders, events + 1]);
    const refused = await p.orders.runtime.pool.query(
      'SELECT payload FROM outbox ORDER BY seq DESC LIMIT 1',
    );
    expect(refused.rows[0].payload).toMatchObject({
      type: 'orders.order.refused',
      data: {
        userId: fan.user.id,
        matchNumber: 5,
        category: 1,
        quantity: 2,
        available: 1,
        reason: 'not_enough_tickets',
        status: 409,
      },
    });
    const mine = await call(p.orders.url, 'GET', '/api/orders', { token: fan.token });
    expect(mine.body.orders).toEqual([]);
    expect(await inventoryRow(p, 5, 1)).toMatchObject({ capacity: 3, held: 2 });
  });
});

describe('the per-fan limit (4 tickets per match across live and paid orders)', () => {
  test('when one fan sends 8 single-ticket orders for one match at once, then exactly 4 succeed and the rest are 409 fan_limit_reached', async () => {
    const fan = newFan(p.env);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        placeOrder(p, fan, { matchNumber: 7, category: 3, quantity: 1 }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(4);
    expect(statuses.filter((s) => s === 409)).toHaveLength(4);
    for (const r of responses.filter((r) => r.status === 409))
      expect(r.body.errors?.[0]?.code).toBe('fan_limit_reached');
    const { rows } = await p.tickets.runtime.pool.query(
      "SELECT coalesce(sum(quantity), 0)::int AS held FROM holds WHERE user_id = $1 AND status = 'held'",
      [fan.user.id],
    );
    expect(rows[0].held).toBe(4);
  });

  test('when a fan holds 3 and asks for 2 more, then 409; another match or a cancelled order does not count', async () => {
    const fan = newFan(p.env);
    const first = await placeOrder(p, fan, { matchNumber: 8, category: 1, quantity: 3 });
    expect(first.status).toBe(201);
    const over = await placeOrder(p, fan, { matchNumber: 8, category: 2, quantity: 2 });
    expect(over.status).toBe(409);
    expect(over.body.errors?.[0]?.message).toMatch(
      /At most 4 tickets per fan for match 8; you already have 3/,
    );
    expect((await placeOrder(p, fan, { matchNumber: 9, category: 1, quantity: 4 })).status).toBe(
      201,
    );
    expect(
      (
        await call(p.orders.url, 'DELETE', `/api/orders/${first.body.order.id}`, {
          token: fan.token,
        })
      ).status,
    ).toBe(200);
    expect((await placeOrder(p, fan, { matchNumber: 8, category: 2, quantity: 4 })).status).toBe(
      201,
    );
  });
});

describe('Idempotency-Key', () => {
  test('when 20 identical POSTs with one Idempotency-Key race, then one order and one hold exist and all 20 answers name it', async () => {
    const fan = newFan(p.env);
    const before = await inventoryRow(p, 10, 2);
    const headers = { 'Idempotency-Key': 'checkout-7c1d' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        placeOrder(p, fan, { matchNumber: 10, category: 2, quantity: 3 }, headers),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    const ids = new Set(responses.map((r) => r.body.order.id));
    expect(ids.size).toBe(1);
    const [orderId] = [...ids] as [string];
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(
      19,
    );
    for (const r of responses)
      expect(r.body.order).toMatchObject({ status: 'awaiting_payment', amountCents: 37500 });

    const { rows } = await p.orders.runtime.pool.query('SELECT id FROM orders WHERE user_id = $1', [
      fan.user.id,
    ]);
    expect(rows).toEqual([{ id: orderId }]);
    const holds = await p.tickets.runtime.pool.query(
      'SELECT order_id, quantity FROM holds WHERE user_id = $1',
      [fan.user.id],
    );
    expect(holds.rows).toEqual([{ order_id: orderId, quantity: 3 }]);
    expect((await inventoryRow(p, 10, 2)).held).toBe(before.held + 3);
    await eventually(async () => expect(await createdEventsOf(orderId)).toHaveLength(1));
  });

  test('when the key is reused with a different body, then 422 idempotency_key_reused and nothing new is written', async () => {
    const fan = newFan(p.env);
    const headers = { 'Idempotency-Key': 'same-key' };
    expect(
      (await placeOrder(p, fan, { matchNumber: 11, category: 1, quantity: 1 }, headers)).status,
    ).toBe(201);
    const orders = await orderCount();
    const response = await placeOrder(
      p,
      fan,
      { matchNumber: 11, category: 1, quantity: 2 },
      headers,
    );
    expect(response.status).toBe(422);
    expect(response.body.errors?.[0]?.code).toBe('idempotency_key_reused');
    expect(await orderCount()).toBe(orders);
  });

  test('when the same body is sent with its fields in another order, then it is the same request', async () => {
    const fan = newFan(p.env);
    const headers = { 'Idempotency-Key': 'field-order' };
    const a = await placeOrder(p, fan, { matchNumber: 11, category: 2, quantity: 1 }, headers);
    const b = await placeOrder(p, fan, { quantity: 1, category: 2, matchNumber: 11 }, headers);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.order.id).toBe(a.body.order.id);
  });

  test('when two fans use the same key, then each gets their own order (keys belong to a fan)', async () => {
    const headers = { 'Idempotency-Key': 'shared-by-accident' };
    const a = await placeOrder(
      p,
      newFan(p.env),
      { matchNumber: 12, category: 1, quantity: 1 },
      headers,
    );
    const b = await placeOrder(
      p,
      newFan(p.env),
      { matchNumber: 12, category: 1, quantity: 1 },
      headers,
    );
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.order.id).not.toBe(b.body.order.id);
  });

  test('when a refused request is retried with its key, then it is decided again (a refusal is not stored)', async () => {
    await setCapacity(p, 13, 3, 1);
    const holder = newFan(p.env);
    const held = await placeOrder(p, holder, { matchNumber: 13, category: 3, quantity: 1 });
    const fan = newFan(p.env);
    const headers = { 'Idempotency-Key': 'retry-after-409' };
    const refused = await placeOrder(
      p,
      fan,
      { matchNumber: 13, category: 3, quantity: 1 },
      headers,
    );
    expect(refused.status).toBe(409);
    await call(p.orders.url, 'DELETE', `/api/orders/${held.body.order.id}`, {
      token: holder.token,
    });
    await eventually(async () => expect((await categoryCounts(p, 13, 3)).pending).toBe(1));
    const retried = await placeOrder(
      p,
      fan,
      { matchNumber: 13, category: 3, quantity: 1 },
      headers,
    );
    expect(retried.status).toBe(201);
  });

  test('when the key is not printable ASCII or too long, then 400 invalid_idempotency_key', async () => {
    const response = await placeOrder(
      p,
      newFan(p.env),
      { matchNumber: 12, category: 1, quantity: 1 },
      {
        'Idempotency-Key': 'x'.repeat(201),
      },
    );
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]).toMatchObject({
      code: 'invalid_idempotency_key',
      field: 'Idempotency-Key',
    });
  });
});

describe('many fans, one category', () => {
  test('when 40 fans race for a category with 10 left, then exactly 10 tickets are held and every other fan gets 409', async () => {
    await setCapacity(p, 14, 1, 10);
    const fans = Array.from({ length: 40 }, () => newFan(p.env));
    const responses = await Promise.all(
      fans.map((fan) => placeOrder(p, fan, { matchNumber: 14, category: 1, quantity: 1 })),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(10);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(30);
    await sleep(100);
    expect(await inventoryRow(p, 14, 1)).toMatchObject({ capacity: 10, held: 10, sold: 0 });
    const { rows } = await p.orders.runtime.pool.query(
      "SELECT count(*)::int AS n FROM orders WHERE match_number = 14 AND status = 'awaiting_payment'",
    );
    expect(rows[0].n).toBe(10);
  });
});
