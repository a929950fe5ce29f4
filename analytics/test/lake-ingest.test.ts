import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ordersEvents, ticketsEvents, type EventEnvelope } from '@ticketaka/common';
import { startAnalyticsService } from '../src/analytics-service';
import { lakeCounts, startAnalytics, type AnalyticsKit } from './support/analytics-kit';

let kit: AnalyticsKit;

beforeAll(async () => {
  kit = await startAnalytics('lake-ingest', { LAKE_COMPACT_MIN_FILES: '1000' });
});
afterAll(async () => kit.close());

const refused = (occurredAt: Date) =>
  ordersEvents.orderRefused.create(
    {
      userId: randomUUID(),
      kind: 'primary',
      matchNumber: 7,
      category: 2,
      quantity: 2,
      ticketId: null,
      reason: 'not_enough_tickets',
      status: 409,
      available: 1,
    },
    { occurredAt },
  );
const held = (n: number) =>
  ticketsEvents.holdPlaced.create({
    orderId: randomUUID(),
    matchNumber: n,
    category: 1,
    quantity: 1,
    version: 1,
  });

/** Publishes past JetStream's de-duplication (another message id): a real double delivery. */
async function publishTwice(event: EventEnvelope) {
  // The producers' part, played by the harness: analytics itself publishes nothing.
  const bus = await kit.env.harness();
  await bus.publish(event);
  await bus.js.publish(bus.subject(event.type), JSON.stringify(event), {
    msgID: `again-${event.id}`,
  });
}

const partFiles = (dir: string) =>
  fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')) : [];

describe('the data lake', () => {
  test('when events arrive twice and across days, then each is one row in its type=…/date=… partition', async () => {
    const day1 = new Date('2026-06-11T18:00:00Z');
    const day2 = new Date('2026-06-12T09:30:00Z');
    const events = [
      refused(day1),
      refused(day1),
      refused(day2),
      ...Array.from({ length: 20 }, (_, i) => held(i + 1)),
    ];
    for (const e of events) await publishTwice(e);
    await kit.analytics.settle();

    const counts = await lakeCounts(kit.analytics.lake);
    expect(counts.byType).toMatchObject({ 'orders.order.refused': 3, 'tickets.hold.placed': 20 });
    expect(counts.distinctIds).toBe(counts.rows);
    const refusedDir = path.join(kit.lakePath, 'type=orders.order.refused');
    expect(fs.readdirSync(refusedDir).sort()).toEqual(['date=2026-06-11', 'date=2026-06-12']);
    expect(partFiles(path.join(refusedDir, 'date=2026-06-11'))[0]).toMatch(
      /^part-\d{10}-v1\.parquet$/,
    );

    // The data is typed per event schema, not JSON text: DuckDB reads the struct's fields.
    const source = kit.analytics.lake.source('orders.order.refused')!;
    const rows = await kit.analytics.lake.query<{
      reason: string;
      available: number;
      date: string;
    }>(
      `SELECT data.reason AS reason, data.available::INTEGER AS available, date::VARCHAR AS date
       FROM ${source} ORDER BY occurred_at`,
    );
    expect(rows.map((r) => [r.reason, r.available, r.date])).toEqual([
      ['not_enough_tickets', 1, '2026-06-11'],
      ['not_enough_tickets', 1, '2026-06-11'],
      ['not_enough_tickets', 1, '2026-06-12'],
    ]);
    const staged = await kit.analytics.runtime.pool.query(
      'SELECT count(*)::int AS n FROM staged_events',
    );
    expect(staged.rows[0].n).toBe(0);
  });

  test('when the whole stream is replayed from its start, then the lake gains nothing', async () => {
    const before = await lakeCounts(kit.analytics.lake);
    const bus = kit.analytics.runtime.bus;
    const names = ['orders', 'tickets'].map(
      (p) => [bus.streamName(p), bus.durableName('analytics', `${p}.>`)] as const,
    );
    await kit.analytics.close();
    // Forget the consumers' positions: the next start reads every stream from the first message.
    const { jsm } = await kit.env.harness();
    for (const [stream, durable] of names)
      expect(await jsm.consumers.delete(stream, durable)).toBe(true);
    const connected = await kit.restart();
    await kit.env.publish(held(99));
    await connected.settle();
    const after = await lakeCounts(connected.lake);
    expect(after.rows).toBe(before.rows + 1);
    expect(after.distinctIds).toBe(after.rows);
  });

  test('when garbage and hostile messages arrive, then ingestion goes on and they are kept apart, never as partitions of their own', async () => {
    const bus = await kit.env.harness();
    const hostile = { ...held(5), type: 'tickets.hold.placed/../../../etc' };
    await bus.js.publish(bus.subject('tickets.hold.placed'), '{"not": json', {
      msgID: randomUUID(),
    });
    await bus.js.publish(bus.subject('tickets.hold.placed'), JSON.stringify(hostile), {
      msgID: randomUUID(),
    });
    await bus.js.publish(
      bus.subject('tickets.hold.placed'),
      JSON.stringify({ ...held(6), data: { matchNumber: 'x' } }),
      {
        msgID: randomUUID(),
      },
    );
    const good = held(7);
    await bus.publish(good);
    await kit.analytics.settle();
    const counts = await lakeCounts(kit.analytics.lake);
    expect(counts.byType['analytics.message.rejected']).toBe(2);
    const source = kit.analytics.lake.source('tickets.hold.placed')!;
    const found = await kit.analytics.lake.query(
      `SELECT 1 FROM ${source} WHERE event_id = '${good.id}'`,
    );
    expect(found).toHaveLength(1);
    expect(fs.readdirSync(kit.lakePath).every((d) => /^type=[a-z0-9.-]+$/.test(d))).toBe(true);
  });

  test('when a partition has many small files, then compaction merges them into one with the same rows', async () => {
    for (let i = 0; i < 4; i += 1) {
      await kit.env.publish(held(10 + i));
      await kit.analytics.settle();
    }
    const before = await lakeCounts(kit.analytics.lake);
    const partition = kit.analytics.lake
      .partitions()
      .find((p) => p.type === 'tickets.hold.placed')!;
    expect(partition.files.length).toBeGreaterThan(3);

    await kit.restart({ LAKE_COMPACT_MIN_FILES: '2' });
    await kit.analytics.settle();
    const after = await lakeCounts(kit.analytics.lake);
    expect(after).toEqual(before);
    const compacted = kit.analytics.lake
      .partitions()
      .find((p) => p.type === 'tickets.hold.placed')!;
    expect(compacted.files).toHaveLength(1);
    expect(path.basename(compacted.files[0]!)).toMatch(/^compacted-/);
  });

  test('when a second analytics process shares the database, then only one writes the lake, and the second takes over once the first stops', async () => {
    const secondLake = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-second-'));
    const second = await startAnalyticsService({ ...kit.env.env, LAKE_PATH: secondLake });
    try {
      const first = held(41);
      await kit.env.publish(first);
      await second.settle();
      await kit.analytics.settle();
      const source = kit.analytics.lake.source('tickets.hold.placed')!;
      expect(
        await kit.analytics.lake.query(`SELECT 1 FROM ${source} WHERE event_id = '${first.id}'`),
      ).toHaveLength(1);
      expect((await lakeCounts(second.lake)).rows).toBe(0);

      await kit.analytics.close();
      const later = held(42);
      await kit.env.publish(later);
      await second.settle();
      const counts = await lakeCounts(second.lake);
      expect(counts.rows).toBe(1);
      expect(counts.distinctIds).toBe(1);
    } finally {
      await second.close();
      fs.rmSync(secondLake, { recursive: true, force: true });
      await kit.restart();
    }
  });
});
