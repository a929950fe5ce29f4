import {
  CONFIRM_HOLD_SUBJECT,
  confirmHoldResponseSchema,
  ordersEvents,
  type ConfirmHoldRequest,
} from '@ticketaka/common';
import { eventually, readSubject } from '@ticketaka/common/testing';
import {
  call,
  categoryCounts,
  holdOf,
  newFan,
  placeOrder,
  setCapacity,
  startPlatform,
  type Platform,
} from './support/platform';

/**
 * With partner sync on, the kafka-bridge tells tickets what the partner log decided about each
 * of our holds (rpc.tickets.confirm-hold); tickets announces it. Here the test plays the
 * bridge's part against the real tickets responder; kafka-bridge/test proves the log side.
 */
let p: Platform;

beforeAll(async () => {
  p = await startPlatform('orders-partner', {
    env: { PARTNER_SYNC: 'true', ORDER_LOCK_SECONDS: '120' },
  });
});
afterAll(async () => p.close());

// The kafka-bridge's part, played by the harness (orders may not ask for it).
const decide = async (orderId: string, outcome: ConfirmHoldRequest['outcome']) =>
  (await p.env.harness()).request(
    CONFIRM_HOLD_SUBJECT,
    { orderId, outcome, decidedAt: `fifa-ticket-sales-test:0:${Date.now()}` },
    confirmHoldResponseSchema,
  );

const orderOf = async (fan: ReturnType<typeof newFan>, id: string) =>
  (
    await call<{ order: { status: string; cancelReason?: string | null } }>(
      p.orders.url,
      'GET',
      `/api/orders/${id}`,
      { token: fan.token },
    )
  ).body.order;

const eventsOf = async (type: string, id: string) =>
  (await readSubject<{ data: { id: string } }>(p.orders.runtime.bus, type)).filter(
    (e) => e.data.id === id,
  );

test('when partner sync is on, then a new order is held but not payable until the partner log confirms its hold; then it awaits payment once, however often the decision is repeated', async () => {
  await setCapacity(p, 30, 1, 10);
  const fan = newFan(p.env);
  const placed = await placeOrder(p, fan, { matchNumber: 30, category: 1, quantity: 2 });
  expect(placed.status).toBe(201);
  expect(placed.body.order.status).toBe('created');
  expect(placed.body.order.amountCents).toBeGreaterThan(0);
  expect((await holdOf(p, placed.body.order.id))?.status).toBe('held');
  expect((await categoryCounts(p, 30, 1)).pending).toBe(8);
  expect(await eventsOf(ordersEvents.orderCreated.type, placed.body.order.id)).toHaveLength(0);

  await Promise.all([
    decide(placed.body.order.id, 'granted'),
    decide(placed.body.order.id, 'granted'),
  ]);
  await eventually(async () =>
    expect((await orderOf(fan, placed.body.order.id)).status).toBe('awaiting_payment'),
  );
  await eventually(async () =>
    expect(await eventsOf(ordersEvents.orderCreated.type, placed.body.order.id)).toHaveLength(1),
  );
  expect((await holdOf(p, placed.body.order.id))?.status).toBe('confirmed');
});

test('when the partner log voids the hold (another platform was first), then the order is cancelled as sold on another platform and the seats come back', async () => {
  await setCapacity(p, 31, 2, 4);
  const fan = newFan(p.env);
  const placed = await placeOrder(p, fan, { matchNumber: 31, category: 2, quantity: 3 });
  expect(placed.body.order.status).toBe('created');
  expect((await categoryCounts(p, 31, 2)).pending).toBe(1);

  await decide(placed.body.order.id, 'void');
  await eventually(async () =>
    expect(await orderOf(fan, placed.body.order.id)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'sold_on_another_platform',
    }),
  );
  expect((await holdOf(p, placed.body.order.id))?.status).toBe('released');
  expect((await categoryCounts(p, 31, 2)).pending).toBe(4);
  await eventually(async () =>
    expect(await eventsOf(ordersEvents.orderCancelled.type, placed.body.order.id)).toHaveLength(1),
  );
  expect(await eventsOf(ordersEvents.orderCreated.type, placed.body.order.id)).toHaveLength(0);
});

test('when a fan cancels an order whose hold is still tentative, then it is cancelled and a late confirmation changes nothing', async () => {
  await setCapacity(p, 32, 3, 5);
  const fan = newFan(p.env);
  const placed = await placeOrder(p, fan, { matchNumber: 32, category: 3, quantity: 1 });
  const cancelled = await call(p.orders.url, 'DELETE', `/api/orders/${placed.body.order.id}`, {
    token: fan.token,
  });
  expect(cancelled.status).toBe(200);
  await eventually(async () =>
    expect((await holdOf(p, placed.body.order.id))?.status).toBe('released'),
  );
  await decide(placed.body.order.id, 'granted');
  await new Promise((r) => setTimeout(r, 500));
  expect((await orderOf(fan, placed.body.order.id)).status).toBe('cancelled');
  expect((await categoryCounts(p, 32, 3)).pending).toBe(5);
});
