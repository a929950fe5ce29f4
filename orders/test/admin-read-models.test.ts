import { eventually } from '@ticketaka/common/testing';
import {
  adminDeadLettersResponseSchema,
  adminInventoryResponseSchema,
  adminOrderStatsResponseSchema,
  fanAllowanceResponseSchema,
} from '@ticketaka/contracts';
import { call, newFan, placeOrder, startPlatform, type Platform } from './support/platform';

let p: Platform;

beforeAll(async () => {
  p = await startPlatform('orders-admin-read', { env: { ORDER_LOCK_SECONDS: '120' } });
});
afterAll(async () => p.close());

describe('the fan allowance the match page uses for its quantity picker', () => {
  test('when a fan holds 3 of the 4 allowed for a match, then the allowance says 3 used and 1 left; other matches are untouched', async () => {
    const fan = newFan(p.env);
    const fresh = await call(p.orders.url, 'GET', '/api/orders/allowance?matchNumber=30', {
      token: fan.token,
    });
    expect(fresh.status).toBe(200);
    expect(fanAllowanceResponseSchema.parse(fresh.body)).toEqual({
      matchNumber: 30,
      limit: 4,
      used: 0,
      remaining: 4,
    });
    expect((await placeOrder(p, fan, { matchNumber: 30, category: 1, quantity: 3 })).status).toBe(
      201,
    );
    const after = await call(p.orders.url, 'GET', '/api/orders/allowance?matchNumber=30', {
      token: fan.token,
    });
    expect(after.body).toEqual({ matchNumber: 30, limit: 4, used: 3, remaining: 1 });
    const other = await call(p.orders.url, 'GET', '/api/orders/allowance?matchNumber=31', {
      token: fan.token,
    });
    expect(other.body.remaining).toBe(4);
  });

  test('when nobody is signed in, or the match number is not one, then 401 and 400', async () => {
    expect((await call(p.orders.url, 'GET', '/api/orders/allowance?matchNumber=30')).status).toBe(
      401,
    );
    const bad = await call(p.orders.url, 'GET', '/api/orders/allowance?matchNumber=abc', {
      token: newFan(p.env).token,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('query.matchNumber');
  });
});

describe('admin read models', () => {
  test('when an admin asks, then orders per status and per hour, and every category’s seats here and on partners, match the contracts and count the new order; a fan gets 403', async () => {
    const fan = newFan(p.env);
    const admin = newFan(p.env, 'admin');
    expect((await placeOrder(p, fan, { matchNumber: 32, category: 2, quantity: 2 })).status).toBe(
      201,
    );

    const stats = await call(p.orders.url, 'GET', '/api/orders/admin/stats?hours=2', {
      token: admin.token,
    });
    expect(stats.status).toBe(200);
    const parsed = adminOrderStatsResponseSchema.parse(stats.body);
    expect(parsed.hours).toBe(2);
    expect(
      parsed.byStatus.find((s) => s.status === 'awaiting_payment')?.count,
    ).toBeGreaterThanOrEqual(1);
    const thisHour = new Date();
    thisHour.setUTCMinutes(0, 0, 0);
    expect(parsed.timeline).toContainEqual(
      expect.objectContaining({ bucket: thisHour.toISOString(), status: 'awaiting_payment' }),
    );

    const inventory = await call(p.tickets.url, 'GET', '/api/tickets/admin/inventory', {
      token: admin.token,
    });
    expect(inventory.status).toBe(200);
    const rows = adminInventoryResponseSchema.parse(inventory.body).categories;
    expect(rows).toHaveLength(64 * 3);
    expect(rows.find((r) => r.matchNumber === 32 && r.category === 2)).toMatchObject({
      held: 2,
      sold: 0,
      partnerHeld: 0,
      partnerSold: 0,
      pending: 18,
    });

    for (const [url, path] of [
      [p.orders.url, '/api/orders/admin/stats'],
      [p.orders.url, '/api/orders/admin/dead-letters'],
      [p.tickets.url, '/api/tickets/admin/inventory'],
    ] as const) {
      expect([path, (await call(url, 'GET', path, { token: fan.token })).status]).toEqual([
        path,
        403,
      ]);
      expect([path, (await call(url, 'GET', path)).status]).toEqual([path, 401]);
    }
  });

  test('when a garbage message reaches a consumer of orders, then the dead-letter count the dashboard shows grows by one for that consumer', async () => {
    const admin = newFan(p.env, 'admin');
    const read = async () =>
      adminDeadLettersResponseSchema.parse(
        (await call(p.orders.url, 'GET', '/api/orders/admin/dead-letters', { token: admin.token }))
          .body,
      );
    const before = await read();
    // A broken message on payments' subject, which only payments (or the harness) may publish.
    const bus = await p.env.harness();
    await bus.js.publish(bus.subject('payments.payment.succeeded'), 'not json at all');
    await eventually(async () => expect((await read()).total).toBe(before.total + 1));
    expect((await read()).byConsumer).toContainEqual({
      consumer: 'orders',
      count: (before.byConsumer.find((c) => c.consumer === 'orders')?.count ?? 0) + 1,
    });
  });
});
