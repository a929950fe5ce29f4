/**
 * Analytics benchmark (not a test; run on demand, bounded, with progress output):
 *
 *   npm run bench -w analytics -- [--events 20000] [--rate 500] [--seconds 10]
 *        [--admin-rate 2] [--stats-rate 100] [--live-events 200] [--offset 1600]
 *
 * Needs PostgreSQL, NATS and Redis (the shared test servers, or `npm start`'s); uses its own
 * database, NATS namespace, Redis prefix and lake folder, removed afterwards. analytics and
 * security run as their own processes, exactly as the launcher runs them, behind an nginx
 * gateway rendered from the routing table with the security check on, as fans meet them;
 * this process only generates load.
 *
 * 1. Ingest: publishes `events` events while analytics is not running, starts it, and times
 *    the catch-up (inbox + staging + aggregate store), then the Parquet write.
 * 2. GET /api/recommendations (signed-in fans of 40 countries, and anonymous visitors) at
 *    `rate` req/s for `seconds`, through the gateway, while admins read the statistics at
 *    `admin-rate` req/s and `live-events` events/s keep arriving for the ingester; then the
 *    same load through a gateway without the security check, and straight at the service
 *    (the check's and the gateway's cost, in the same run).
 * 3. GET /api/analytics/stats at `stats-rate` req/s through the gateway (far above what a
 *    handful of admin dashboards ask).
 * The CPU per request of analytics and security (from /proc) and analytics' event-loop delay
 * are printed per phase.
 *
 * The source address of every request is loopback, which the security service would
 * rate-limit as one visitor: the bench's own security process lists it in
 * SECURITY_LOAD_TEST_SOURCES (the explicit load-test allowance, off by default, nothing a
 * request can set), which skips the per-address limits and nothing else.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { createLogger, createPool, ticketsEvents, type EventEnvelope } from '@ticketaka/common';
import { BROWSER, createTestEnvironment, newFan } from '@ticketaka/common/testing';
import { runBounded } from '../../infra/src/bench/bounded-run';
import { ensureCoreServers, stopStarted } from '../../infra/src/servers/core-servers';
import { startGateway } from '../../infra/src/servers/nginx-gateway.server';
import {
  startServiceProcess,
  stopServiceProcess,
  type ServiceProcess,
} from '../../infra/src/testing/service-processes';
import { ParquetLake } from '../src/data-access/parquet-lake';
import { trainAndPublish } from '../src/domain/publish-model.use-case';
import { seedSyntheticLake } from '../src/domain/seed-lake.use-case';
import { syntheticHistory } from '../src/domain/synthetic-history';
import { MASTER_LIST_FILE } from '../src/entry-points/cli/cli-support';
import { describeResult, get, openLoop, type LoadResult } from './open-loop';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const COUNTRIES =
  'AR BR UY EC MX US CA GB FR DE ES PT NL BE HR RS CH PL DK JP KR AU SA QA IR MA SN TN GH CM CR CO CL PE IT IE NG EG IN CN'.split(
    ' ',
  );

/** utime + stime of a process, in milliseconds (clock ticks are 1/100 s on Linux). */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The service's event-loop delay since the last scrape (prom-client resets it on each). */
async function eventLoopDelay(serviceUrl: string): Promise<string> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return `event-loop delay p99 ${value('nodejs_eventloop_lag_p99_seconds').toFixed(1)} ms, max ${value('nodejs_eventloop_lag_max_seconds').toFixed(1)} ms`;
}

async function main(onStop: (stop: () => Promise<unknown>) => void) {
  const events = arg('events', 20_000);
  const rate = arg('rate', 500);
  const seconds = arg('seconds', 10);
  const adminRate = arg('admin-rate', 2);
  const statsRate = arg('stats-rate', 100);
  const liveEvents = arg('live-events', 200);
  const offset = arg('offset', 1600);
  const servers = await ensureCoreServers();
  onStop(() => stopStarted(servers));
  const env = await createTestEnvironment('analytics-bench');
  onStop(() => env.cleanup());
  const lakePath = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-bench-'));
  const syntheticPath = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-bench-synth-'));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-analytics-bench-'));
  const stops: (() => Promise<unknown>)[] = [];
  const serviceEnv = {
    ...process.env,
    ...env.env,
    LOG_LEVEL: 'warn',
    TICKETAKA_HOME: home,
    LAKE_PATH: lakePath,
    LAKE_FLUSH_INTERVAL_MS: '1000',
    TRAIN_INTERVAL_MINUTES: '0',
    MODEL_REFRESH_MS: '500',
    INGEST_BATCH_SIZE: '1000',
    DATABASE_POOL_SIZE: '20',
  };
  const logger = createLogger('analytics-bench', { level: 'warn' });
  const pool = createPool(env.databaseUrl, 'analytics', { max: 4 });
  // The test environment's own NATS user publishes what the other services would.
  const bus = await env.harness();
  try {
    // 1. Ingest: the streams fill up before analytics exists.
    const matches = JSON.parse(fs.readFileSync(MASTER_LIST_FILE, 'utf8'));
    const history = syntheticHistory(matches, { seed: 3, fans: 300 });
    const hold = (i: number): EventEnvelope =>
      ticketsEvents.holdPlaced.create({
        orderId: randomUUID(),
        matchNumber: 1 + (i % 64),
        category: 1 + (i % 3),
        quantity: 1,
        version: 1,
      });
    const all = [
      ...history,
      ...Array.from({ length: Math.max(0, events - history.length) }, (_, i) => hold(i)),
    ];
    for (let i = 0; i < all.length; i += 1000)
      await Promise.all(all.slice(i, i + 1000).map((e) => bus.publish(e)));
    console.log(`published ${all.length} events with the ingester off`);

    const counted = async () =>
      Number(
        (await pool.query('SELECT coalesce(sum(count), 0)::int AS n FROM event_counts')).rows[0].n,
      );
    const unwritten = async () =>
      Number((await pool.query('SELECT count(*)::int AS n FROM staged_events')).rows[0].n);
    const spawned = performance.now();
    const starting = startServiceProcess('analytics', serviceEnv, {
      portOffset: offset,
      logDir: path.join(home, 'logs'),
    });
    let first: { at: number; n: number } | undefined;
    let done = 0;
    let analytics: ServiceProcess | undefined;
    starting.then((s) => (analytics = s)).catch(() => undefined);
    for (let polls = 0; polls < 6000; polls++) {
      const n = await counted().catch(() => 0);
      if (n > 0 && !first) first = { at: performance.now(), n };
      if (n >= all.length) {
        done = performance.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    analytics = await starting;
    stops.push(() => stopServiceProcess(analytics!));
    if (!done || !first) throw new Error('the ingester did not catch up within two minutes');
    while ((await unwritten()) > 0) await new Promise((r) => setTimeout(r, 20));
    const written = performance.now();
    const steady = (all.length - first.n) / ((done - first.at) / 1000);
    console.log(
      `ingest: ${all.length} events into staging + aggregates at ${Math.round(steady)} events/s ` +
        `(from the first batch committed to the last; ${((done - spawned) / 1000).toFixed(2)} s including process start ` +
        `= ${Math.round(all.length / ((done - spawned) / 1000))} events/s); in Parquet ${((written - spawned) / 1000).toFixed(2)} s after start ` +
        `(lake flush every 1 s) = ${Math.round(all.length / ((written - spawned) / 1000))} events/s end to end`,
    );

    // A trained model (the synthetic history), activated; the service loads it by itself.
    const synthetic = await ParquetLake.open(syntheticPath);
    await seedSyntheticLake(synthetic, MASTER_LIST_FILE, { seed: 42, fans: 4000 });
    const trained = await trainAndPublish({ pool, lake: synthetic, logger });
    synthetic.close();
    const version = trained?.model.version;
    const fan = newFan(env, 'fan', 'AR');
    for (let i = 0; ; i++) {
      const r = await fetch(`${analytics.url}/api/recommendations`, {
        headers: { authorization: `Bearer ${fan.token}` },
      });
      if (((await r.json()) as { modelVersion?: string }).modelVersion === version) break;
      if (i > 100) throw new Error('the service did not load the trained model');
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`model ${version} trained on the synthetic history and loaded by the service`);

    // The security check and the gateway, as fans meet them.
    const security = await startServiceProcess(
      'security',
      {
        ...serviceEnv,
        // The load comes from loopback: the explicit load-test allowance skips the
        // per-address limits for it (and only for it); every other rule still runs.
        SECURITY_LOAD_TEST_SOURCES: '127.0.0.1',
      },
      { portOffset: offset, logDir: path.join(home, 'logs') },
    );
    stops.push(() => stopServiceProcess(security));
    const gatewayPort = 8080 + offset;
    const gateway = await startGateway(
      {
        listenPort: gatewayPort,
        upstreams: {
          analytics: analytics.url.replace('http://', ''),
          security: security.url.replace('http://', ''),
        },
        securityCheckUpstream: security.url.replace('http://', ''),
      },
      { ...process.env, TICKETAKA_HOME: home },
    );
    stops.push(() => gateway.stop());
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    // The same gateway without the security check: what the check's hop costs, in this run.
    const unchecked = await startGateway(
      {
        listenPort: gatewayPort + 1,
        upstreams: { analytics: analytics.url.replace('http://', '') },
      },
      { ...process.env, TICKETAKA_HOME: path.join(home, 'unchecked') },
    );
    stops.push(() => unchecked.stop());
    const uncheckedUrl = `http://127.0.0.1:${gatewayPort + 1}`;

    const fans = COUNTRIES.flatMap((country) =>
      Array.from({ length: 5 }, () => newFan(env, 'fan', country).token),
    );
    const admins = Array.from({ length: 3 }, () => newFan(env, 'admin', 'DE').token);
    const recommendation = (base: string) => (i: number) =>
      // One request in five is an anonymous visitor naming a country.
      i % 5 === 4
        ? {
            url: `${base}/api/recommendations?country=${COUNTRIES[i % COUNTRIES.length]}`,
            headers: BROWSER,
          }
        : {
            url: `${base}/api/recommendations`,
            headers: { ...BROWSER, authorization: `Bearer ${fans[i % fans.length]}` },
          };
    const stats = (base: string) => (i: number) => ({
      url: `${base}/api/analytics/stats`,
      headers: { ...BROWSER, authorization: `Bearer ${admins[i % admins.length]}` },
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    // Warm-up: connections (bench → nginx → services), JIT, the check's Redis scripts.
    for (let i = 0; i < 300; i++) {
      const warm = recommendation(gatewayUrl)(i);
      const status = await get(agent, warm.url, warm.headers);
      if (status !== 200) throw new Error(`warm-up answered ${status}`);
      await get(agent, stats(gatewayUrl)(i).url, stats(gatewayUrl)(i).headers);
    }

    const results: LoadResult[] = [];
    const phase = async (label: string, work: () => Promise<LoadResult[]>) => {
      await eventLoopDelay(analytics!.url);
      const cpuBefore = cpuMs(analytics!.child.pid!);
      const securityBefore = cpuMs(security.child.pid!);
      const outcome = await work();
      const cpu = cpuMs(analytics!.child.pid!) - cpuBefore;
      const securityCpu = cpuMs(security.child.pid!) - securityBefore;
      const requests = outcome.reduce((n, r) => n + r.requests, 0);
      for (const r of outcome) console.log(`  ${describeResult(r)}`);
      console.log(
        `  analytics process: ${(cpu / requests).toFixed(2)} ms CPU per request (ingest included), ` +
          `${await eventLoopDelay(analytics!.url)}; security process: ${(securityCpu / requests).toFixed(2)} ms CPU per request`,
      );
      results.push(...outcome);
      console.log(`${label}: done`);
    };
    // Events keep arriving while fans ask (an on-sale's holds), so the ingester competes.
    const liveIngest = async () => {
      let published = 0;
      const begin = performance.now();
      while (performance.now() - begin < seconds * 1000) {
        const burst = Array.from({ length: Math.max(1, Math.round(liveEvents / 10)) }, (_, i) =>
          hold(published + i),
        );
        await Promise.all(burst.map((e) => bus.publish(e)));
        published += burst.length;
        const due = begin + (published / liveEvents) * 1000;
        await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      }
      return published;
    };

    await phase(
      `recommendations ${rate} req/s + stats ${adminRate} req/s + ${liveEvents} events/s, through the gateway`,
      async () => {
        const [recs, admin] = await Promise.all([
          openLoop('recommendations via gateway', agent, rate, seconds, recommendation(gatewayUrl)),
          openLoop('stats via gateway (admins)', agent, adminRate, seconds, stats(gatewayUrl)),
          liveEvents > 0 ? liveIngest() : Promise.resolve(0),
        ]);
        return [recs, admin];
      },
    );
    // Commit time minus occurredAt over the last 2,000 events: the live ones just published.
    const lagOf = await fetch(`${analytics.url}/api/analytics/stats`, {
      headers: { authorization: `Bearer ${admins[0]}` },
    });
    const { ingest } = (await lagOf.json()) as {
      ingest: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
    };
    console.log(
      `  ingest lag of the live events (goal <= 5 s): p50 ${ingest.p50Ms} ms, p99 ${ingest.p99Ms} ms, ` +
        `max ${ingest.maxMs} ms over the last ${ingest.samples} events`,
    );
    await phase(`recommendations ${rate} req/s through the gateway without the check`, async () => [
      await openLoop(
        'recommendations via gateway, no check',
        agent,
        rate,
        seconds,
        recommendation(uncheckedUrl),
      ),
    ]);
    await phase(`recommendations ${rate} req/s straight at the service (baseline)`, async () => [
      await openLoop(
        'recommendations direct',
        agent,
        rate,
        seconds,
        recommendation(analytics!.url),
      ),
    ]);
    await phase(`stats ${statsRate} req/s through the gateway`, async () => [
      await openLoop('stats via gateway (stress)', agent, statsRate, seconds, stats(gatewayUrl)),
    ]);
    agent.destroy();
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await pool.end();
    for (const dir of [lakePath, syntheticPath, home])
      fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBounded({ minutes: 10 }, main);
