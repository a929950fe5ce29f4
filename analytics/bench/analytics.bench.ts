/**
 * Analytics benchmark (not a test; run on demand, servers already running, e.g. `npm start`
 * or a test run's PostgreSQL 25432 and NATS 24222):
 *
 *   npx tsx analytics/bench/analytics.bench.ts [--events 20000] [--rate 500] [--seconds 10]
 *
 * 1. Ingest: publishes `events` events to JetStream while the ingester is off, then starts
 *    analytics and times the catch-up (inbox + staging + aggregates), and the Parquet write.
 * 2. Latency at a fixed request rate (open loop, `rate` req/s for `seconds`):
 *    GET /api/recommendations (signed-in fan) and GET /api/analytics/stats (admin),
 *    straight at the service on its port (the gateway hop is not included).
 * Uses its own database, NATS namespace and lake folder, removed afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { ticketsEvents } from '@ticketaka/common';
import { call, createTestEnvironment, newFan, percentile } from '@ticketaka/common/testing';
import { startAnalyticsService } from '../src/analytics-service';
import { ParquetLake } from '../src/data-access/parquet-lake';
import { trainAndPublish } from '../src/domain/publish-model.use-case';
import { seedSyntheticLake } from '../src/domain/seed-lake.use-case';
import { MASTER_LIST_FILE } from '../src/entry-points/cli/cli-support';
import { syntheticHistory } from '../src/domain/synthetic-history';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};

async function main() {
  const events = arg('events', 20_000);
  const rate = arg('rate', 500);
  const seconds = arg('seconds', 10);
  const env = await createTestEnvironment('analytics-bench');
  const lakePath = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-bench-'));
  Object.assign(env.env, {
    LAKE_PATH: lakePath,
    LAKE_FLUSH_INTERVAL_MS: '600000',
    TRAIN_INTERVAL_MINUTES: '0',
    LOG_LEVEL: 'warn',
    INGEST_BATCH_SIZE: '1000',
    DATABASE_POOL_SIZE: '20',
  });
  try {
    // The catalogue and a little history, so the API has something to rank.
    const matches = JSON.parse(fs.readFileSync(MASTER_LIST_FILE, 'utf8'));
    const publisher = await startAnalyticsService({ ...env.env, INGEST_ENABLED: 'false' });
    const { bus } = publisher.runtime;
    const history = syntheticHistory(matches, { seed: 3, fans: 300 });
    const holds = Array.from({ length: Math.max(0, events - history.length) }, (_, i) =>
      ticketsEvents.holdPlaced.create({
        orderId: randomUUID(),
        matchNumber: 1 + (i % 64),
        category: 1 + (i % 3),
        quantity: 1,
        version: 1,
      }),
    );
    const all = [...history, ...holds];
    for (let i = 0; i < all.length; i += 1000)
      await Promise.all(all.slice(i, i + 1000).map((e) => bus.publish(e)));
    await publisher.close();
    console.log(`published ${all.length} events`);

    const started = performance.now();
    const analytics = await startAnalyticsService(env.env);
    await analytics.settle().catch(() => undefined);
    const { rows } = await analytics.runtime.pool.query(
      'SELECT sum(count)::int AS n FROM event_counts',
    );
    const ingested = performance.now();
    await analytics.flushLake();
    const written = performance.now();
    const ingestRate = rows[0].n / ((ingested - started) / 1000);
    console.log(
      `ingest: ${rows[0].n} events in ${((ingested - started) / 1000).toFixed(2)} s = ${Math.round(ingestRate)} events/s ` +
        `(into staging + aggregates; service start included); Parquet write of them ${((written - ingested) / 1000).toFixed(2)} s; ` +
        `end to end ${Math.round(rows[0].n / ((written - started) / 1000))} events/s`,
    );

    const synthetic = await ParquetLake.open(
      fs.mkdtempSync(path.join(os.tmpdir(), 'lake-bench-synth-')),
    );
    await seedSyntheticLake(synthetic, MASTER_LIST_FILE, { seed: 42, fans: 4000 });
    await trainAndPublish({
      pool: analytics.runtime.pool,
      lake: synthetic,
      logger: analytics.logger,
    });
    await analytics.models.refresh();

    const fan = newFan(env, 'fan', 'AR');
    const admin = newFan(env, 'admin', 'DE');
    for (const [label, route, token, perSecond] of [
      ['recommendations', '/api/recommendations', fan.token, rate],
      ['stats', '/api/analytics/stats', admin.token, Math.min(rate, 100)],
    ] as const) {
      const latencies: number[] = [];
      let errors = 0;
      const inFlight: Promise<void>[] = [];
      const begin = performance.now();
      for (let i = 0; i < perSecond * seconds; i += 1) {
        const due = begin + (i * 1000) / perSecond;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        inFlight.push(
          (async () => {
            const t = performance.now();
            try {
              const response = await call(analytics.url, 'GET', route, { token });
              if (response.status !== 200) errors += 1;
            } catch {
              errors += 1; // connection refused or reset: counted, never hidden
            }
            latencies.push(performance.now() - t);
          })(),
        );
      }
      await Promise.all(inFlight);
      const sorted = latencies.sort((a, b) => a - b);
      const achieved = latencies.length / ((performance.now() - begin) / 1000);
      console.log(
        `${label}: ${latencies.length} requests at ${perSecond} req/s (achieved ${achieved.toFixed(0)}), errors ${errors}, ` +
          `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms`,
      );
    }
    synthetic.close();
    await analytics.close();
  } finally {
    await env.cleanup();
    fs.rmSync(lakePath, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
