import { randomUUID } from 'node:crypto';
import { expirationEvents, ordersEvents } from '@ticketaka/common';
import { eventually, readSubject, sleep } from '@ticketaka/common/testing';
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
  type Fan,
  type Platform,
} from './support/platform';

let p: Platform;

beforeAll(async () => {
  p = await startPlatform('orders-lifecycle', { env: { ORDER_LOCK_SECONDS: '120' } });
});
afterAll(async () => p.close());

async function anOrder(
  fan: Fan,
  body: object = { matchNumber: 20, category: 2, quantity: 2 },
): Promise<OrderView> {
  const response = await placeOrder(p, fan, body);
  expect(response.status).toBe(201);
  return response.body.order;
}

const eventsOf = async <T extends { data: Record<string, unknown> }>(
  type: string,
  match: (e: T) => boolean,
) => (await readSubject<T>(p.orders.runtime.bus, type)).filter(match);
const cancelledEvents = (orderId: string) =>
  eventsOf<{ data: { id: string; reason: string; version: number } }>(
    ordersEvents.orderCancelled.type,
    (e) => e.data.id === orderId,
  );
const rejections = (orderId: string) =>
  eventsOf<{ data: { orderId: string; reason: string; paymentId: string } }>(
    ordersEvents.orderPaymentRejected.type,
    (e) => e.data.orderId === orderId,
  );

const get = (fan: Fan, path: string) => call(p.orders.url, 'GET', path, { token: fan.token });
const cancel = (fan: Fan, id: string) =>
  call(p.orders.url, 'DELETE', `/api/orders/${id}`, { token: fan.token });

async function completed(fan: Fan): Promise<{ order: OrderView; paymentId: string }> {
  const order = await anOrder(fan);
  const paymentId = await paymentSucceeded(p, order);
  await eventually(async () => expect((await orderRow(p, order.id))?.status).toBe('complete'));
  return { order, paymentId };
}

describe('who sees which order', () => {
  test("when a fan reads or cancels another fan's order, then 404 as if it did not exist, and the order is untouched", async () => {
    const owner = newFan(p.env);
    const order = await anOrder(owner);
    const stranger = newFan(p.env);

    const read = await get(stranger, `/api/orders/${order.id}`);
    expect(read.status).toBe(404);
    expect(read.body.errors[0].code).toBe('order_not_found');
    const missing = await get(stranger, `/api/orders/${randomUUID()}`);
    expect(missing.body).toEqual(read.body);

    const cancelled = await cancel(stranger, order.id);
    expect(cancelled.status).toBe(404);
    expect(await orderRow(p, order.id)).toMatchObject({ status: 'awaiting_payment', version: 1 });
    expect(await holdOf(p, order.id)).toMatchObject({ status: 'held' });
  });

  test('when fans list their orders, then each sees only their own, newest first; an admin sees everyone’s', async () => {
    const a = newFan(p.env);
    const b = newFan(p.env);
    const a1 = await anOrder(a, { matchNumber: 21, category: 1, quantity: 1 });
    const a2 = await anOrder(a, { matchNumber: 22, category: 1, quantity: 1 });
    const b1 = await anOrder(b, { matchNumber: 21, category: 1, quantity: 1 });

    expect((await get(a, '/api/orders')).body.orders.map((o: OrderView) => o.id)).toEqual([
      a2.id,
      a1.id,
    ]);
    expect((await get(b, '/api/orders')).body.orders.map((o: OrderView) => o.id)).toEqual([b1.id]);
    const admin = newFan(p.env, 'admin');
    const all = (await get(admin, '/api/orders?limit=200')).body.orders.map((o: OrderView) => o.id);
    expect(all).toEqual(expect.arrayContaining([a1.id, a2.id, b1.id]));
    expect((await get(admin, `/api/orders/${b1.id}`)).status).toBe(200);
  });

  test('when the list is filtered by status, then only those orders come back; a bad filter is a 400', async () => {
    const fan = newFan(p.env);
    const kept = await anOrder(fan, { matchNumber: 23, category: 1, quantity: 1 });
    const dropped = await anOrder(fan, { matchNumber: 24, category: 1, quantity: 1 });
    await cancel(fan, dropped.id);
    expect(
      (await get(fan, '/api/orders?status=cancelled')).body.orders.map((o: OrderView) => o.id),
    ).toEqual([dropped.id]);
    expect(
      (await get(fan, '/api/orders?status=awaiting_payment')).body.orders.map(
        (o: OrderView) => o.id,
      ),
    ).toEqual([kept.id]);
    expect((await get(fan, '/api/orders?status=paid')).status).toBe(400);
    expect((await get(fan, '/api/orders/not-a-uuid')).status).toBe(400);
  });
});

describe('cancelling', () => {
  test('when a fan cancels an unpaid order, then it is cancelled, tickets releases the hold and the counts come back', async () => {
    const fan = newFan(p.env);
    const before = await categoryCounts(p, 25, 1);
    const order = await anOrder(fan, { matchNumber: 25, category: 1, quantity: 3 });
    await eventually(async () =>
      expect((await categoryCounts(p, 25, 1)).pending).toBe(before.pending - 3),
    );

    const response = await cancel(fan, order.id);
    expect(response.status).toBe(200);
    expect(response.body.order).toMatchObject({
      id: order.id,
      status: 'cancelled',
      cancelReason: 'cancelled_by_fan',
      version: 2,
    });
    await eventually(async () =>
      expect(await holdOf(p, order.id)).toMatchObject({ status: 'released' }),
    );
    await eventually(async () =>
      expect((await categoryCounts(p, 25, 1)).pending).toBe(before.pending),
    );
    const events = await cancelledEvents(order.id);
    expect(events.map((e) => [e.data.reason, e.data.version])).toEqual([['cancelled_by_fan', 2]]);
  });

  test('when an order is cancelled twice, or ten times at once, then the second and later cancels change nothing', async () => {
    const fan = newFan(p.env);
    const order = await anOrder(fan);
    const responses = await Promise.all(Array.from({ length: 10 }, () => cancel(fan, order.id)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    for (const r of responses)
      expect(r.body.order).toMatchObject({ status: 'cancelled', version: 2 });
    const again = await cancel(fan, order.id);
    expect(again.status).toBe(200);
    expect(again.body.order.version).toBe(2);
    await eventually(async () => expect(await cancelledEvents(order.id)).toHaveLength(1));
    await sleep(500);
    expect(await cancelledEvents(order.id)).toHaveLength(1);
  });

  test('when a paid order is cancelled, then 409 order_not_cancellable and it stays complete with its tickets sold', async () => {
    const fan = newFan(p.env);
    const { order } = await completed(fan);
    const response = await cancel(fan, order.id);
    expect(response.status).toBe(409);
    expect(response.body.errors[0].code).toBe('order_not_cancellable');
    expect(await orderRow(p, order.id)).toMatchObject({ status: 'complete', version: 2 });
    await eventually(async () =>
      expect(await holdOf(p, order.id)).toMatchObject({ status: 'sold' }),
    );
  });
});

describe('payments', () => {
  test('when the payment succeeds, then the order completes, tickets sells the hold and issues one ticket per seat', async () => {
    const fan = newFan(p.env);
    const { order, paymentId } = await completed(fan);
    const read = await get(fan, `/api/orders/${order.id}`);
    expect(read.body.order).toMatchObject({ status: 'complete', paymentId, version: 2 });
    await eventually(async () => {
      const mine = await call(p.tickets.url, 'GET', '/api/tickets/mine', { token: fan.token });
      expect(
        mine.body.tickets.filter((t: { orderId: string }) => t.orderId === order.id),
      ).toHaveLength(2);
    });
    const completedEvents = await eventsOf<{
      data: { id: string; paymentId: string; version: number };
    }>(ordersEvents.orderCompleted.type, (e) => e.data.id === order.id);
    expect(completedEvents.map((e) => [e.data.paymentId, e.data.version])).toEqual([
      [paymentId, 2],
    ]);
  });

  test('when the same payment is announced again (redelivered, or under a new event id), then nothing changes and nothing is refunded', async () => {
    const fan = newFan(p.env);
    const { order, paymentId } = await completed(fan);
    const eventId = randomUUID();
    await paymentSucceeded(p, order, { paymentId, eventId });
    await paymentSucceeded(p, order, { paymentId, eventId });
    await paymentSucceeded(p, order, { paymentId });
    await sleep(800);
    expect(await orderRow(p, order.id)).toMatchObject({ status: 'complete', version: 2 });
    expect(await rejections(order.id)).toEqual([]);
  });

  test('when a second, different payment arrives for a paid order, then it is rejected (once) so payments refunds it', async () => {
    const fan = newFan(p.env);
    const { order } = await completed(fan);
    const second = await paymentSucceeded(p, order);
    await paymentSucceeded(p, order, { paymentId: second });
    await eventually(async () =>
      expect((await rejections(order.id)).map((e) => [e.data.paymentId, e.data.reason])).toEqual([
        [second, 'already_paid'],
      ]),
    );
    await sleep(500);
    expect(await rejections(order.id)).toHaveLength(1);
    expect(await orderRow(p, order.id)).toMatchObject({ status: 'complete', version: 2 });
  });

  test('when a payment arrives for a cancelled order, then the order stays cancelled and payment-rejected asks for a refund', async () => {
    const fan = newFan(p.env);
    const order = await anOrder(fan);
    await cancel(fan, order.id);
    const paymentId = await paymentSucceeded(p, order);
    await eventually(async () =>
      expect((await rejections(order.id)).map((e) => e.data)).toEqual([
        { orderId: order.id, paymentId, orderStatus: 'cancelled', reason: 'order_cancelled' },
      ]),
    );
    expect(await orderRow(p, order.id)).toMatchObject({ status: 'cancelled', version: 2 });
  });

  test('when a payment of the wrong amount arrives, then it is rejected and the order can still be paid properly', async () => {
    const fan = newFan(p.env);
    const order = await anOrder(fan);
    await paymentSucceeded(p, { ...order, amountCents: 1 });
    await eventually(async () =>
      expect((await rejections(order.id)).map((e) => e.data.reason)).toEqual(['amount_mismatch']),
    );
    expect(await orderRow(p, order.id)).toMatchObject({ status: 'awaiting_payment', version: 1 });
    await paymentSucceeded(p, order);
    await eventually(async () => expect((await orderRow(p, order.id))?.status).toBe('complete'));
  });

  test('when the expiration timer fires for a paid order, then it stays complete and no expiry is announced', async () => {
    const fan = newFan(p.env);
    const { order } = await completed(fan);
    await p.env.publish(
      expirationEvents.expirationOrderExpired.create({
        orderId: order.id,
        expiresAt: order.expiresAt,
      }),
    );
    // Long before the deadline, too: a paid order never expires.
    await sleep(800);
    expect(await orderRow(p, order.id)).toMatchObject({ status: 'complete', version: 2 });
    expect(
      await eventsOf(
        ordersEvents.orderExpired.type,
        (e) => (e.data as { id: string }).id === order.id,
      ),
    ).toEqual([]);
    expect(await holdOf(p, order.id)).toMatchObject({ status: 'sold' });
  });
});

describe('resale', () => {
  test('when two fans race for the last resale listing, then one order holds it and the other gets 409; the winner pays and owns the ticket', async () => {
    const seller = newFan(p.env);
    const { order: bought } = await completed(seller);
    const ticket = await eventually(async () => {
      const mine = await call(p.tickets.url, 'GET', '/api/tickets/mine', { token: seller.token });
      const found = mine.body.tickets.find((t: { orderId: string }) => t.orderId === bought.id);
      expect(found).toBeDefined();
      return found as { id: string; facePriceCents: number };
    });
    const listed = await call(p.tickets.url, 'POST', '/api/resale', {
      token: seller.token,
      body: { ticketId: ticket.id, priceCents: 10_000 },
    });
    expect(listed.status).toBe(201);

    expect((await placeOrder(p, seller, { ticketId: ticket.id })).status).toBe(403);

    const [x, y] = [newFan(p.env), newFan(p.env)];
    const responses = await Promise.all(
      [x, y].map((fan) => placeOrder(p, fan, { ticketId: ticket.id })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
    const winner = responses.find((r) => r.status === 201)!;
    const loser = responses.find((r) => r.status === 409)!;
    expect(loser.body.errors?.[0]?.code).toBe('listing_unavailable');
    expect(winner.body.order).toMatchObject({
      kind: 'resale',
      ticketId: ticket.id,
      listingId: listed.body.listing.id,
      matchNumber: 20,
      category: 2,
      quantity: 1,
      amountCents: 10_000,
      status: 'awaiting_payment',
    });
    const { rows } = await p.orders.runtime.pool.query(
      'SELECT count(*)::int AS n FROM orders WHERE ticket_id = $1',
      [ticket.id],
    );
    expect(rows[0].n).toBe(1);

    const buyer = winner.body.order.userId === x.user.id ? x : y;
    await paymentSucceeded(p, winner.body.order);
    await eventually(async () => {
      const mine = await call(p.tickets.url, 'GET', '/api/tickets/mine', { token: buyer.token });
      expect(mine.body.tickets.map((t: { id: string }) => t.id)).toEqual([ticket.id]);
    });
  });
});
