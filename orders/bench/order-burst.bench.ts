/**
 * On-sale burst through the whole order path (not a test; run on demand, bounded):
 *
 *   npx tsx orders/bench/order-burst.bench.ts          # a private platform, through its gateway
 *   BENCH_TARGET=in-process npx tsx orders/bench/order-burst.bench.ts   # services in this process
 *   GATEWAY_URL=http://localhost:8080 npx tsx orders/bench/order-burst.bench.ts   # a running `npm start`
 *
 * Many fans POST /api/orders for one hot category at once. Each POST is the real path: the
 * gateway's security check (auth_request), the token check, the order row under the per-fan
 * limit, the atomic hold in tickets over NATS, the order confirmed with orders.order.created
 * in the outbox, and behind it expiration scheduling the lock and payments projecting it.
 * Prints orders placed per second, latency percentiles, the CPU each process used per order,
 * and oversell = sold + held (+ partners) − capacity read from tickets' own table (must be
 * ≤ 0; the script exits non-zero otherwise). Then, on the same PostgreSQL at the same
 * concurrency, the floor: one statement per hold that decrements the hot row and inserts the
 * hold row, and the ratio of the two.
 *
 * Knobs: BENCH_FANS (2000) BENCH_CONCURRENCY (64) BENCH_CAPACITY (1500) BENCH_MATCH (1)
 * BENCH_CATEGORY (1); private platform: BENCH_PORT_OFFSET (400), BENCH_REPLICAS (1: processes
 * per service, e.g. 2), BENCH_CHECK_TIMEOUT_MS (1000: the gateway's wait for the security check),
 * BENCH_CPU_PROFILE_DIR (services write --cpu-prof profiles there), BENCH_KEEP_HOME=true (logs).
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { localAdminDatabaseUrl, localJwtKeyPair } from '@ticketaka/common';
import { BROWSER, percentile } from '@ticketaka/common/testing';
import { cpuBetween, snapshotCpu, type CpuSnapshot } from '../../infra/src/bench/process-cpu';
import { benchFan, connectSchema, mintFanTokens } from '../../infra/src/bench/bench-fans';
import { runBounded } from '../../infra/src/bench/bounded-run';
import { homeDir } from '../../infra/src/paths';

const FANS = Number(process.env.BENCH_FANS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const CAPACITY = Number(process.env.BENCH_CAPACITY ?? 1500);
const MATCH = Number(process.env.BENCH_MATCH ?? 1);
const CATEGORY = Number(process.env.BENCH_CATEGORY ?? 1);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 1);
const CHECK_TIMEOUT_MS = process.env.BENCH_CHECK_TIMEOUT_MS ?? '1000';
/** The services on the order path; the others (analytics, notifications, client) are left out. */
const SERVICES = ['security', 'tickets', 'orders', 'expiration', 'payments'];

interface Target {
  label: string;
  ordersUrl: string;
  databaseUrl: string;
  /** A query on tickets' schema (the oversell check reads the owner's own counters). */
  tickets(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  orders(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  tokens(count: number): string[];
  /** Process trees whose CPU is accounted per order (empty: everything is in this process). */
  pids(): Record<string, number>;
  close(): Promise<void>;
}

/** tickets, orders and expiration in this process, on a fresh database and NATS namespace. */
async function inProcess(): Promise<Target> {
  const { ensureCoreServers, stopStarted } = await import('../../infra/src/servers/core-servers');
  const servers = await ensureCoreServers();
  const { createTestEnvironment } = await import('@ticketaka/common/testing');
  const { startTicketsService } = await import('../../tickets/src/tickets-service');
  const { startOrdersService } = await import('../src/orders-service');
  const { startExpirationService } = await import('../../expiration/src/expiration-service');
  const env = await createTestEnvironment('order-burst-bench');
  Object.assign(env.env, { LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '20' });
  const tickets = await startTicketsService(env.env);
  const orders = await startOrdersService(env.env);
  const expiration = await startExpirationService(env.env);
  return {
    label: 'in-process (tickets + orders + expiration, one Node process; no gateway)',
    ordersUrl: orders.url,
    databaseUrl: env.env.DATABASE_URL as string,
    tickets: async (sql, params) => (await tickets.runtime.pool.query(sql, params)).rows,
    orders: async (sql, params) => (await orders.runtime.pool.query(sql, params)).rows,
    tokens: (count) => Array.from({ length: count }, () => env.tokenFor(benchFan('AR'))),
    pids: () => ({ 'this process': process.pid }),
    close: async () => {
      await expiration.close();
      await orders.close();
      await tickets.close();
      await env.cleanup();
      await stopStarted(servers);
    },
  };
}

/** A platform of its own, started by the launcher, measured through its nginx gateway. */
async function privatePlatform(): Promise<Target> {
  const { startPrivatePlatform } = await import('../../infra/src/bench/private-platform');
  const profileDir = process.env.BENCH_CPU_PROFILE_DIR;
  console.log(
    `Starting a private platform (${SERVICES.join(', ')}; ${REPLICAS} process(es) per service) …`,
  );
  const platform = await startPrivatePlatform({
    label: 'order-burst',
    offset: Number(process.env.BENCH_PORT_OFFSET ?? 400),
    services: SERVICES,
    env: {
      // The explicit load-test allowance: 2,000 fans from loopback are not one client to the
      // per-address rules. Every other rule of the check still runs (security/README.md).
      SECURITY_LOAD_TEST_SOURCES: '127.0.0.1',
      // The check still runs for every request; a burst of 64 queues in front of it, and at
      // the gateway's default 50 ms the purchase route fails closed (503) for the queue, not
      // for a verdict. The figure printed says which timeout was used.
      GATEWAY_CHECK_TIMEOUT_MS: CHECK_TIMEOUT_MS,
      ...Object.fromEntries(
        ['SECURITY', 'TICKETS', 'ORDERS', 'EXPIRATION', 'PAYMENTS'].map((s) => [
          `${s}_REPLICAS`,
          String(REPLICAS),
        ]),
      ),
      ...(profileDir
        ? {
            BENCH_CPU_PROFILE_DIR: path.resolve(profileDir),
            NODE_OPTIONS: `--import ${path.resolve(__dirname, '../../infra/src/bench/cpu-profile.preload.mjs')}`,
          }
        : {}),
    },
  });
  const databaseUrl = localAdminDatabaseUrl(platform.env);
  // A platform left running would hold its ports and refuse the next run's home.
  const [ticketsDb, ordersDb] = await Promise.all([
    connectSchema(databaseUrl, 'tickets'),
    connectSchema(databaseUrl, 'orders'),
  ]).catch(async (error: unknown) => {
    await platform.stop();
    throw error;
  });
  const keys = localJwtKeyPair(path.join(homeDir(platform.env), 'keys'));
  return {
    label: `private platform through its gateway ${platform.gatewayUrl} (nginx + security check, timeout ${CHECK_TIMEOUT_MS} ms → services as processes, ${REPLICAS} each)`,
    ordersUrl: platform.gatewayUrl,
    databaseUrl,
    tickets: async (sql, params) => (await ticketsDb.query(sql, params)).rows,
    orders: async (sql, params) => (await ordersDb.query(sql, params)).rows,
    tokens: (count) => mintFanTokens(keys.privateKey, count, 'AR'),
    pids: platform.pids,
    close: async () => {
      await ticketsDb.end();
      await ordersDb.end();
      await platform.stop();
    },
  };
}

/** A running platform (`npm start`); tokens are signed with its key pair under TICKETAKA_HOME. */
async function runningPlatform(url: string): Promise<Target> {
  const databaseUrl = process.env.DATABASE_URL ?? localAdminDatabaseUrl();
  const ticketsDb = await connectSchema(databaseUrl, 'tickets');
  const ordersDb = await connectSchema(databaseUrl, 'orders');
  const keys = localJwtKeyPair(path.join(homeDir(), 'keys'));
  return {
    label: `gateway ${url} (a running platform)`,
    ordersUrl: url,
    databaseUrl,
    tickets: async (sql, params) => (await ticketsDb.query(sql, params)).rows,
    orders: async (sql, params) => (await ordersDb.query(sql, params)).rows,
    tokens: (count) => mintFanTokens(keys.privateKey, count, 'AR'),
    pids: () => ({}),
    close: async () => {
      await ticketsDb.end();
      await ordersDb.end();
    },
  };
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

interface Burst {
  seconds: number;
  statuses: Map<number, number>;
  latencies: number[];
  placedLatencies: number[];
  placed: { id: string; token: string }[];
  /** One body of each status other than 201, to say what went wrong. */
  samples: Map<number, string>;
}

/** Every fan once, CONCURRENCY at a time; a progress line every second. */
async function burst(target: Target, tokens: string[], match = MATCH): Promise<Burst> {
  const result: Burst = {
    seconds: 0,
    statuses: new Map(),
    latencies: [],
    placedLatencies: [],
    placed: [],
    samples: new Map(),
  };
  let next = 0;
  const started = performance.now();
  const progress = setInterval(() => {
    if (match !== MATCH) return;
    const s = (performance.now() - started) / 1000;
    console.log(
      `  … ${s.toFixed(0)} s: ${result.latencies.length} answered, ${result.placed.length} placed`,
    );
  }, 1000);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++] as string;
        const t0 = performance.now();
        let status = 0;
        try {
          const response = await fetch(`${target.ordersUrl}/api/orders`, {
            method: 'POST',
            headers: {
              ...BROWSER,
              'content-type': 'application/json',
              authorization: `Bearer ${token}`,
              'idempotency-key': randomUUID(),
            },
            body: JSON.stringify({ matchNumber: match, category: CATEGORY, quantity: 1 }),
          });
          status = response.status;
          const text = await response.text();
          if (status === 201) {
            const body = JSON.parse(text) as { order: { id: string } };
            result.placed.push({ id: body.order.id, token });
          } else if (!result.samples.has(status)) result.samples.set(status, text.slice(0, 300));
        } catch {
          status = -1;
        }
        const took = performance.now() - t0;
        result.latencies.push(took);
        if (status === 201) result.placedLatencies.push(took);
        result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  clearInterval(progress);
  result.seconds = (performance.now() - started) / 1000;
  result.latencies.sort((a, b) => a - b);
  result.placedLatencies.sort((a, b) => a - b);
  return result;
}

/**
 * The database's own limit for the same work: CONCURRENCY connections, one statement per
 * hold (decrement the hot row if a seat is left, insert the hold row), FANS statements for
 * CAPACITY seats, in a scratch schema of the same PostgreSQL.
 */
async function postgresFloor(databaseUrl: string) {
  const schema = `bench_floor_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`SET search_path = ${schema}`);
  await admin.query(
    'CREATE TABLE inventory (id int PRIMARY KEY, pending int NOT NULL CHECK (pending >= 0), held int NOT NULL)',
  );
  await admin.query(
    'CREATE TABLE holds (order_id uuid PRIMARY KEY, inventory_id int NOT NULL, quantity int NOT NULL)',
  );
  await admin.query('INSERT INTO inventory VALUES (1, $1, 0)', [CAPACITY]);
  const clients = await Promise.all(
    Array.from({ length: CONCURRENCY }, () => connectSchema(databaseUrl, schema)),
  );
  // Each connection parses and plans its statement once before the clock starts.
  await Promise.all(
    clients.map((client) =>
      client.query(
        'WITH d AS (UPDATE inventory SET held = held WHERE id = 0 RETURNING id) SELECT 1',
      ),
    ),
  );
  let next = 0;
  let granted = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (next < FANS) {
        next += 1;
        const t0 = performance.now();
        const { rowCount } = await client.query(
          `WITH d AS (UPDATE inventory SET pending = pending - 1, held = held + 1
                      WHERE id = 1 AND pending >= 1 RETURNING id)
           INSERT INTO holds (order_id, inventory_id, quantity) SELECT $1, id, 1 FROM d`,
          [randomUUID()],
        );
        latencies.push(performance.now() - t0);
        granted += rowCount ?? 0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
  latencies.sort((a, b) => a - b);
  return { seconds, granted, latencies };
}

async function cancelAll(target: Target, orders: { id: string; token: string }[]) {
  for (let i = 0; i < orders.length; i += 32) {
    await Promise.all(
      orders.slice(i, i + 32).map(({ id, token }) =>
        fetch(`${target.ordersUrl}/api/orders/${id}`, {
          method: 'DELETE',
          headers: { ...BROWSER, authorization: `Bearer ${token}` },
        }),
      ),
    );
  }
}

async function main(onStop: (stop: () => Promise<unknown>) => void) {
  const starting = process.env.GATEWAY_URL
    ? runningPlatform(process.env.GATEWAY_URL.replace(/\/$/, ''))
    : process.env.BENCH_TARGET === 'in-process'
      ? inProcess()
      : privatePlatform();
  // A start that failed has stopped what it started.
  onStop(() =>
    starting.then(
      (target) => target.close(),
      () => undefined,
    ),
  );
  const target = await starting;
  const [original] = await target.tickets(
    'SELECT capacity, held FROM inventory WHERE match_number = $1 AND category = $2',
    [MATCH, CATEGORY],
  );
  if (!original) throw new Error(`match ${MATCH} has no category ${CATEGORY}`);
  // The hot category gets exactly CAPACITY seats still free, whatever was sold before.
  await target.tickets(
    `UPDATE inventory SET capacity = sold + held + partner_held + partner_sold + $3 WHERE match_number = $1 AND category = $2`,
    [MATCH, CATEGORY, CAPACITY],
  );
  const tokens = target.tokens(FANS);
  // A short warm-up (connections, JIT) on another match, so the burst measures steady work.
  const warm = await burst(target, target.tokens(4 * CONCURRENCY), MATCH + 1);
  await cancelAll(target, warm.placed);
  console.log(`Burst: ${FANS} fans × 1 ticket for ${CAPACITY} seats, ${CONCURRENCY} in flight`);
  const cpuBefore: CpuSnapshot = snapshotCpu(target.pids());
  const run = await burst(target, tokens);
  const cpu = cpuBetween(cpuBefore, snapshotCpu(target.pids()));

  const [inventory] = await target.tickets(
    'SELECT capacity, sold, held, partner_held, partner_sold FROM inventory WHERE match_number = $1 AND category = $2',
    [MATCH, CATEGORY],
  );
  const inv = inventory as Record<
    'capacity' | 'sold' | 'held' | 'partner_held' | 'partner_sold',
    number
  >;
  const oversell = inv.sold + inv.held + inv.partner_held + inv.partner_sold - inv.capacity;
  const [awaiting] = await target.orders(
    "SELECT count(*)::int AS n FROM orders WHERE match_number = $1 AND category = $2 AND status = 'awaiting_payment' AND id = ANY($3::uuid[])",
    [MATCH, CATEGORY, run.placed.map((p) => p.id)],
  );

  console.log(
    'Floor: the same holds as one PostgreSQL statement each, same server, same concurrency',
  );
  const floor = await postgresFloor(target.databaseUrl);

  const placed = run.statuses.get(201) ?? 0;
  const placedPerSecond = placed / run.seconds;
  const floorPerSecond = floor.granted / floor.seconds;
  console.log(`\nOrder burst — ${target.label}`);
  console.log(
    `  match ${MATCH} category ${CATEGORY}: ${CAPACITY} seats free, ${FANS} fans × 1 ticket, ${CONCURRENCY} in flight`,
  );
  console.log(
    `  answers: ${[...run.statuses.entries()].map(([s, n]) => `${s === -1 ? 'network error' : s} × ${n}`).join(', ')}`,
  );
  for (const [status, body] of run.samples)
    if (status !== 409) console.log(`  a ${status} answered: ${body}`);
  console.log(`  wall time ${run.seconds.toFixed(2)} s`);
  console.log(
    `  orders placed/s ${placedPerSecond.toFixed(0)} (requests/s ${(run.latencies.length / run.seconds).toFixed(0)})`,
  );
  console.log(
    `  latency, all answers: p50 ${ms(percentile(run.latencies, 50))}  p95 ${ms(percentile(run.latencies, 95))}  p99 ${ms(percentile(run.latencies, 99))}  max ${ms(run.latencies.at(-1) ?? NaN)}`,
  );
  console.log(
    `  latency, 201 only:    p50 ${ms(percentile(run.placedLatencies, 50))}  p95 ${ms(percentile(run.placedLatencies, 95))}  p99 ${ms(percentile(run.placedLatencies, 99))}`,
  );
  const answered = run.latencies.length;
  const totalCpu = [...cpu.values()].reduce((a, b) => a + b, 0);
  console.log(
    `  CPU per request (${answered} answered): ${(totalCpu / answered).toFixed(2)} ms in all — ${[
      ...cpu.entries(),
    ]
      .sort((a, b) => b[1] - a[1])
      .map(([name, used]) => `${name} ${(used / answered).toFixed(2)}`)
      .join(', ')}`,
  );
  console.log(
    `  tickets' counters: capacity ${inv.capacity}, sold ${inv.sold}, held ${inv.held}, partner ${inv.partner_held + inv.partner_sold}`,
  );
  console.log(
    `  oversell (sold + held + partners − capacity): ${oversell}  ${oversell <= 0 ? 'OK' : 'OVERSOLD'}`,
  );
  console.log(`  orders awaiting payment ${(awaiting as { n: number }).n} of ${placed} placed`);
  console.log(
    `  PostgreSQL floor: ${floor.granted} holds in ${floor.seconds.toFixed(2)} s = ${floorPerSecond.toFixed(0)} holds/s (${FANS} statements, p50 ${ms(percentile(floor.latencies, 50))}, p99 ${ms(percentile(floor.latencies, 99))})`,
  );
  console.log(
    `  order path / floor: ${((100 * placedPerSecond) / floorPerSecond).toFixed(1)} % (goal ≥ 25 %)`,
  );

  // Give the seats back so a running platform is left as it was found.
  await cancelAll(target, run.placed);
  // Once tickets has released them, the category gets its own capacity back.
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const [now] = await target.tickets(
      'SELECT held FROM inventory WHERE match_number = $1 AND category = $2',
      [MATCH, CATEGORY],
    );
    if ((now as { held: number }).held <= (original as { held: number }).held) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await target
    .tickets('UPDATE inventory SET capacity = $3 WHERE match_number = $1 AND category = $2', [
      MATCH,
      CATEGORY,
      original.capacity,
    ])
    .catch((error: Error) => console.warn(`  capacity not restored: ${error.message}`));
  if (oversell > 0) process.exitCode = 1;
}

runBounded({ minutes: 7 }, main);
