import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { call, eventually, newFan } from '@ticketaka/common/testing';
import {
  inventoryRow,
  paymentSucceeded,
  placeOrder,
  setCapacity,
  startPlatform,
  type Platform,
} from '../../orders/test/support/platform';
import { analyticsStatsResponseSchema } from '@ticketaka/contracts';
import { lakeTypeCounts } from '../src/data-access/lake-statistics';
import { rebuildLake } from '../src/entry-points/messaging/lake-rebuild.replay';
import { startAnalytics, type AnalyticsKit } from './support/analytics-kit';

let p: Platform;
let kit: AnalyticsKit;

beforeAll(async () => {
  p = await startPlatform('analytics-onsale', { env: { ORDER_LOCK_SECONDS: '8' } });
  kit = await startAnalytics('analytics-onsale', {}, p.env);
}, 60_000);
afterAll(async () => {
  await kit.close();
  await p.close();
});

const admin = () => newFan(p.env, 'admin');
const ordersWith = async (status: string) =>
  Number(
    (await p.orders.runtime.pool.query('SELECT count(*) FROM orders WHERE status = $1', [status]))
      .rows[0].count,
  );

describe('live statistics after an on-sale', () => {
  test('when 16 fans race for 10 seats and then pay, cancel or let locks expire, then the statistics match the services own tables', async () => {
    await setCapacity(p, 20, 1, 10);
    const fans = Array.from({ length: 16 }, () => newFan(p.env));
    const answers = await Promise.all(
      fans.map((fan) => placeOrder(p, fan, { matchNumber: 20, category: 1, quantity: 1 })),
    );
    const won = answers.filter((a) => a.status === 201).map((a) => a.body.order);
    // Under load a few may be refused for another reason (tickets slow to answer): counted too.
    const refusedCodes = answers
      .filter((a) => a.status !== 201)
      .map((a) => a.body.errors?.[0]?.code as string);
    expect(won).toHaveLength(10);
    expect(refusedCodes.filter((c) => c === 'not_enough_tickets').length).toBeGreaterThan(0);
    const byReason = [...new Set(refusedCodes)].map((reason) => ({
      reason,
      count: refusedCodes.filter((c) => c === reason).length,
    }));

    await Promise.all(won.slice(0, 6).map((order) => paymentSucceeded(p, order)));
    for (const order of won.slice(6, 8)) {
      const fan = fans[answers.findIndex((a) => a.body.order?.id === order.id)]!;
      expect(
        (await call(p.orders.url, 'DELETE', `/api/orders/${order.id}`, { token: fan.token }))
          .status,
      ).toBe(200);
    }
    // The last two are left to expire (8-second locks).
    await eventually(async () => expect(await ordersWith('expired')).toBe(2), 20_000);
    await eventually(async () => expect(await ordersWith('complete')).toBe(6), 10_000);

    const paid = await p.orders.runtime.pool.query(
      "SELECT coalesce(sum(amount_cents), 0)::int AS cents FROM orders WHERE status = 'complete'",
    );
    const token = admin().token;
    await eventually(async () => {
      // Tickets releases the ended orders' holds on its own time: compare like with like.
      const inventory = await inventoryRow(p, 20, 1);
      await kit.analytics.settle();
      const response = await call(kit.analytics.url, 'GET', '/api/analytics/stats', { token });
      expect(response.status).toBe(200);
      const stats = analyticsStatsResponseSchema.parse(response.body);
      const category = stats.categories.find((c) => c.matchNumber === 20 && c.category === 1)!;
      expect(category).toMatchObject({
        capacity: inventory.capacity,
        available: inventory.capacity - inventory.sold - inventory.partner_sold,
        pending:
          inventory.capacity -
          inventory.sold -
          inventory.held -
          inventory.partner_sold -
          inventory.partner_held,
        platforms: {
          ours: { sold: inventory.sold, held: inventory.held, revenueCents: paid.rows[0].cents },
          partners: { sold: 0, held: 0, revenueCents: 0 },
        },
      });
      expect(category.homeTeam).toEqual(expect.any(String));
      expect(stats.funnel).toMatchObject({
        tried: 16,
        held: 10,
        paid: await ordersWith('complete'),
        cancelled: await ordersWith('cancelled'),
        expired: await ordersWith('expired'),
        refused: refusedCodes.length,
        expiryRate: 0.2,
      });
      expect(stats.funnel.refusedByReason).toEqual(expect.arrayContaining(byReason));
      expect(stats.money.revenueCents).toBe(paid.rows[0].cents);
      // The lag is measured, not asserted here (speed belongs to the benchmark).
      expect(stats.ingest.samples).toBeGreaterThan(0);
      expect(stats.ingest.lastIngestedAt).not.toBeNull();
    }, 20_000);
  }, 60_000);

  test('when the lake is rebuilt from the streams into an empty folder, then it holds the same rows per event type', async () => {
    await kit.analytics.settle();
    const live = await lakeTypeCounts(kit.analytics.lake);
    expect(live['orders.order.completed']).toBe(6);
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-rebuilt-'));
    const rebuilt = await rebuildLake(
      {
        pool: kit.analytics.runtime.pool,
        bus: kit.analytics.runtime.bus,
        logger: kit.analytics.logger,
      },
      target,
    );
    try {
      expect(await lakeTypeCounts(rebuilt)).toEqual(live);
    } finally {
      rebuilt.close();
      fs.rmSync(target, { recursive: true, force: true });
    }
  }, 60_000);

  test('when many admins ask at once, then they share one computation, and a later ask gets fresh figures', async () => {
    const token = newFan(p.env, 'admin').token;
    const ask = async () => {
      const response = await call(kit.analytics.url, 'GET', '/api/analytics/stats', { token });
      expect(response.status).toBe(200);
      return analyticsStatsResponseSchema.parse(response.body).generatedAt;
    };
    await new Promise((r) => setTimeout(r, 1100)); // past the previous test's figures
    const together = await Promise.all(Array.from({ length: 20 }, ask));
    expect(new Set(together).size).toBe(1);
    await new Promise((r) => setTimeout(r, 1100)); // STATS_MAX_AGE_MS is 1 s by default
    expect(await ask()).not.toBe(together[0]);
  });

  test('when a fan (not an admin) or nobody asks for the statistics, then 403 and 401', async () => {
    expect(
      (await call(kit.analytics.url, 'GET', '/api/analytics/stats', { token: newFan(p.env).token }))
        .status,
    ).toBe(403);
    expect((await call(kit.analytics.url, 'GET', '/api/analytics/stats')).status).toBe(401);
  });
});
