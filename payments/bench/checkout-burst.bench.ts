/**
 * Checkout burst through the whole purchase path (not a test; run on demand, bounded):
 *
 *   npx tsx payments/bench/checkout-burst.bench.ts          # a private platform, through its gateway
 *   BENCH_TARGET=in-process npx tsx payments/bench/checkout-burst.bench.ts   # services in this process
 *   BENCH_FANS=1000 BENCH_CONCURRENCY=64 npx tsx payments/bench/checkout-burst.bench.ts
 *
 * BENCH_FANS fans each place a one-ticket order (spread over the matches and categories), then
 * all pay at once, each with a double click (two concurrent POST /api/payments with the sandbox
 * card), BENCH_CONCURRENCY fans at a time. Prints the double-click round trip and click → order
 * complete percentiles, paid orders per second (orders complete ÷ seconds from the first click
 * to the last order complete), the CPU each process used per paid order, and the invariants
 * read from the owners' own tables: charges = orders complete = tickets issued, exactly one
 * payments.payment.succeeded per order. Exits 1 if one fails, 2 at the time limit.
 *
 * By default the payments go the way fans' do, so the figure includes what they wait for: a
 * platform of the script's own, started by the launcher, with the gateway's security check
 * (auth_request) and the token check in front of every POST, and the services as processes;
 * the sandbox's webhooks take the public route through that gateway, as Stripe's would. The
 * in-process variant (tickets, orders, expiration and payments in this Node process, webhooks
 * straight to payments) separates the services' own cost from the gateway's and the check's.
 * A few warm-up fans pay first and count in no figure: a cold process's first requests
 * measure its JIT and connection set-up, not the checkout.
 *
 * Knobs: BENCH_FANS (200) BENCH_CONCURRENCY (16); private platform: BENCH_PORT_OFFSET (600:
 * away from order-burst's 400 and a developer's `npm start`), BENCH_REPLICAS (1: processes per
 * service), BENCH_CHECK_TIMEOUT_MS (1000: the gateway's wait for the security check),
 * BENCH_CPU_PROFILE_DIR (services write --cpu-prof profiles there), BENCH_KEEP_HOME=true (keeps
 * the platform's logs). The platform's processes are detached, so the time limit, SIGINT and
 * SIGTERM stop it before exiting; after a SIGKILL its pids are in .local/checkout-burst-<id>/run
 * (`npm stop` does not know it: the launcher records only what `npm start` started).
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { localAdminDatabaseUrl, localJwtKeyPair } from '@ticketaka/common';
import { BROWSER, percentile } from '@ticketaka/common/testing';
import { cpuBetween, snapshotCpu, type CpuSnapshot } from '../../infra/src/bench/process-cpu';
import { homeDir } from '../../infra/src/paths';
import { benchFan, connectSchema, mintFanTokens } from '../../infra/src/bench/bench-fans';
import { runBounded } from '../../infra/src/bench/bounded-run';
import { WEBHOOK_PATH } from '../src/entry-points/http/provider-webhook.routes';

const FANS = Number(process.env.BENCH_FANS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 1);
const CHECK_TIMEOUT_MS = process.env.BENCH_CHECK_TIMEOUT_MS ?? '1000';
for (const [name, value] of Object.entries({ BENCH_FANS: FANS, BENCH_CONCURRENCY: CONCURRENCY }))
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
const TIME_LIMIT_MINUTES = 10;
/** No order completing for this long means the pipeline is stuck, not slow. */
const STALL_MS = 60_000;
/** The services on the purchase path; the others (auth, analytics, notifications, client) are left out. */
const SERVICES = ['security', 'tickets', 'orders', 'expiration', 'payments'];
const CARD = { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' };
/** Not one order may expire mid-run: an expired order is refunded, not completed. */
const ORDER_LOCK_SECONDS = '900';

type Schema = 'tickets' | 'orders' | 'payments';

interface Target {
  label: string;
  ordersUrl: string;
  paymentsUrl: string;
  /** A query on one service's own schema (the invariants are read from the owners' tables). */
  query(schema: Schema, sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  tokens(count: number): string[];
  /** Process trees whose CPU is accounted per paid order (empty: everything is in this process). */
  pids(): Record<string, number>;
  /** Idempotent: the time limit and a signal may race the normal end of the run. */
  close(): Promise<void>;
}

const once = (close: () => Promise<void>) => {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
};

/** tickets, orders, expiration and payments in this process, on a fresh database and NATS namespace. */
async function inProcess(): Promise<Target> {
  const { ensureCoreServers, stopStarted } = await import('../../infra/src/servers/core-servers');
  const servers = await ensureCoreServers();
  const { createTestEnvironment } = await import('@ticketaka/common/testing');
  const { startTicketsService } = await import('../../tickets/src/tickets-service');
  const { startOrdersService } = await import('../../orders/src/orders-service');
  const { startExpirationService } = await import('../../expiration/src/expiration-service');
  const { startPaymentsService } = await import('../src/payments-service');
  const env = await createTestEnvironment('checkout-burst-bench');
  Object.assign(env.env, {
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: '20',
    ORDER_LOCK_SECONDS,
  });
  const tickets = await startTicketsService(env.env);
  const orders = await startOrdersService(env.env);
  const expiration = await startExpirationService(env.env);
  const payments = await startPaymentsService(env.env);
  const pools = {
    tickets: tickets.runtime.pool,
    orders: orders.runtime.pool,
    payments: payments.runtime.pool,
  };
  return {
    label:
      'in-process (tickets + orders + expiration + payments, one Node process; no gateway, webhooks straight to payments)',
    ordersUrl: orders.url,
    paymentsUrl: payments.url,
    query: async (schema, sql, params) => (await pools[schema].query(sql, params)).rows,
    tokens: (count) => Array.from({ length: count }, () => env.tokenFor(benchFan('BR'))),
    pids: () => ({ 'this process': process.pid }),
    close: once(async () => {
      await payments.close();
      await expiration.close();
      await orders.close();
      await tickets.close();
      await env.cleanup();
      await stopStarted(servers);
    }),
  };
}

/** A platform of its own, started by the launcher, measured through its nginx gateway. */
async function privatePlatform(): Promise<Target> {
  const { startPrivatePlatform } = await import('../../infra/src/bench/private-platform');
  const offset = Number(process.env.BENCH_PORT_OFFSET ?? 600);
  const profileDir = process.env.BENCH_CPU_PROFILE_DIR;
  console.log(
    `Starting a private platform (${SERVICES.join(', ')}; ${REPLICAS} process(es) per service) …`,
  );
  const platform = await startPrivatePlatform({
    label: 'checkout-burst',
    offset,
    services: SERVICES,
    env: {
      // The explicit load-test allowance: hundreds of fans from loopback are not one client to
      // the per-address rules. Every other rule of the check still runs (security/README.md).
      SECURITY_LOAD_TEST_SOURCES: '127.0.0.1',
      // The check still runs for every request; a burst queues in front of it, and at the
      // gateway's default 50 ms the order route fails closed (503) for the queue, not for a
      // verdict. The label printed says which timeout was used.
      GATEWAY_CHECK_TIMEOUT_MS: CHECK_TIMEOUT_MS,
      ORDER_LOCK_SECONDS,
      // The launcher passes the caller's environment through, so a SANDBOX_WEBHOOK_URL meant for
      // another platform would send this one's webhooks there (wrong secret: 400, and no order
      // ever completes). Set it here, to this platform's own gateway: the public path Stripe's
      // webhooks take, through nginx's exempt route, instead of payments' port from inside.
      SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${8080 + offset}${WEBHOOK_PATH}`,
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
  // From here on a failure must stop the platform: one left running holds its ports and
  // refuses the next run.
  try {
    if (platform.gatewayUrl !== `http://127.0.0.1:${8080 + offset}`)
      throw new Error(`the gateway is at ${platform.gatewayUrl}, not where webhooks are sent`);
    const databaseUrl = localAdminDatabaseUrl(platform.env);
    const dbs = await Promise.all(
      (['tickets', 'orders', 'payments'] as const).map((schema) =>
        connectSchema(databaseUrl, schema),
      ),
    );
    const [ticketsDb, ordersDb, paymentsDb] = dbs as [Client, Client, Client];
    const clients = { tickets: ticketsDb, orders: ordersDb, payments: paymentsDb };
    const keys = localJwtKeyPair(path.join(homeDir(platform.env), 'keys'));
    return {
      label: `private platform through its gateway ${platform.gatewayUrl} (nginx + security check, timeout ${CHECK_TIMEOUT_MS} ms → services as processes, ${REPLICAS} each; sandbox webhooks through the gateway)`,
      ordersUrl: platform.gatewayUrl,
      paymentsUrl: platform.gatewayUrl,
      query: async (schema, sql, params) => (await clients[schema].query(sql, params)).rows,
      tokens: (count) => mintFanTokens(keys.privateKey, count, 'BR'),
      pids: platform.pids,
      close: once(async () => {
        await Promise.all(dbs.map((db) => db.end().catch(() => undefined)));
        await platform.stop();
      }),
    };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`;
};

async function post(
  url: string,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        // Through the gateway a client without a browser's headers is suspect (proof-of-work).
        ...BROWSER,
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    return { status: -1, text: (error as Error).message };
  }
}

interface Fan {
  token: string;
  match: number;
  category: number;
  orderId: string;
}

/** `work` for every item, CONCURRENCY at a time. */
async function pool<T>(items: T[], work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** One order of one ticket per fan; a fan without an order would make every figure wrong. */
async function placeOrders(target: Target, fans: Fan[]) {
  await pool(fans, async (f) => {
    const placed = await post(
      `${target.ordersUrl}/api/orders`,
      f.token,
      { matchNumber: f.match, category: f.category, quantity: 1 },
      { 'idempotency-key': randomUUID() },
    );
    if (placed.status !== 201)
      throw new Error(`order not placed: ${placed.status} ${placed.text.slice(0, 300)}`);
    f.orderId = (JSON.parse(placed.text) as { order: { id: string } }).order.id;
  });
}

interface Checkout {
  clickedAt: Map<string, number>;
  roundTrips: number[];
  statuses: Map<number, number>;
  /** One body of each status other than 200/202, to say what went wrong. */
  samples: Map<number, string>;
}

/** Every fan double-clicks pay once, CONCURRENCY fans at a time. */
async function payAll(target: Target, fans: Fan[], progress: boolean): Promise<Checkout> {
  const result: Checkout = {
    clickedAt: new Map(),
    roundTrips: [],
    statuses: new Map(),
    samples: new Map(),
  };
  const started = performance.now();
  const ticker = progress
    ? setInterval(() => {
        const s = (performance.now() - started) / 1000;
        console.log(`  … ${s.toFixed(0)} s: ${result.roundTrips.length} double clicks answered`);
      }, 1000)
    : undefined;
  await pool(fans, async (f) => {
    result.clickedAt.set(f.orderId, Date.now());
    const t0 = performance.now();
    const clicks = await Promise.all(
      [0, 1].map(() =>
        post(`${target.paymentsUrl}/api/payments`, f.token, { orderId: f.orderId, card: CARD }),
      ),
    );
    result.roundTrips.push(performance.now() - t0);
    for (const c of clicks) {
      result.statuses.set(c.status, (result.statuses.get(c.status) ?? 0) + 1);
      if (c.status !== 200 && c.status !== 202 && !result.samples.has(c.status))
        result.samples.set(c.status, c.text.slice(0, 300));
    }
  });
  clearInterval(ticker);
  return result;
}

/**
 * Polls `count` until it reaches `goal`. Gives up only when nothing moved for STALL_MS (a slow
 * machine is not a failure; the overall time limit bounds the run), and says how far it got.
 */
async function waitFor(label: string, goal: number, count: () => Promise<number>) {
  let last = -1;
  let movedAt = performance.now();
  for (;;) {
    const n = await count();
    if (n >= goal) return { reached: n, at: performance.now() };
    if (n !== last) [last, movedAt] = [n, performance.now()];
    if (performance.now() - movedAt > STALL_MS) {
      console.error(`  ${label}: stuck at ${n} of ${goal} for ${STALL_MS / 1000} s`);
      return { reached: n, at: performance.now() };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const first = (rows: Record<string, unknown>[]) => Number(rows[0]?.n ?? 0);

/** Orders complete, tickets issued, charges and success events for these orders only. */
async function invariants(target: Target, ids: string[]) {
  const [complete, issued, charges, successes] = await Promise.all([
    target.query(
      'orders',
      "SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) AND status = 'complete'",
      [ids],
    ),
    target.query(
      'tickets',
      'SELECT count(*)::int AS n, count(DISTINCT order_id)::int AS orders FROM tickets WHERE order_id = ANY($1::uuid[])',
      [ids],
    ),
    // The sandbox's own books, as the provider's dashboard would show them.
    target.query(
      'payments',
      `SELECT count(*)::int AS n, count(DISTINCT i.metadata->>'ticketaka_order_id')::int AS orders
         FROM sandbox_charges c JOIN sandbox_intents i ON i.id = c.intent_id
        WHERE c.outcome = 'succeeded' AND i.metadata->>'ticketaka_order_id' = ANY($1::text[])`,
      [ids],
    ),
    target.query(
      'payments',
      `SELECT count(*)::int AS n, count(DISTINCT payload->'data'->>'orderId')::int AS orders
         FROM outbox
        WHERE type = 'payments.payment.succeeded' AND payload->'data'->>'orderId' = ANY($1::text[])`,
      [ids],
    ),
  ]);
  return {
    complete: first(complete),
    issued: first(issued),
    issuedOrders: Number(issued[0]?.orders ?? 0),
    charges: first(charges),
    chargedOrders: Number(charges[0]?.orders ?? 0),
    successes: first(successes),
    successOrders: Number(successes[0]?.orders ?? 0),
  };
}

const ordersComplete = (target: Target, ids: string[]) => async () =>
  first(
    await target.query(
      'orders',
      "SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) AND status = 'complete'",
      [ids],
    ),
  );

const ordersWithTickets = (target: Target, ids: string[]) => async () =>
  first(
    await target.query(
      'tickets',
      'SELECT count(DISTINCT order_id)::int AS n FROM tickets WHERE order_id = ANY($1::uuid[])',
      [ids],
    ),
  );

async function run(target: Target) {
  // Warm-up fans pay first (connections, JIT, consumers), so the burst measures steady work;
  // every figure and invariant below is about the measured fans' orders only.
  const warmUp = Math.min(CONCURRENCY, 16);
  const tokens = target.tokens(warmUp + FANS);
  const everyone: Fan[] = tokens.map((token, i) => ({
    token,
    match: 1 + (i % 48),
    category: 1 + (i % 3),
    orderId: '',
  }));
  const warm = everyone.slice(0, warmUp);
  const fans = everyone.slice(warmUp);
  console.log(`Placing ${warmUp} + ${FANS} one-ticket orders, ${CONCURRENCY} at a time …`);
  await placeOrders(target, everyone);
  await payAll(target, warm, false);
  const warmIds = warm.map((f) => f.orderId);
  await waitFor('warm-up tickets', warmUp, ordersWithTickets(target, warmIds));

  console.log(`Checkout: ${FANS} fans, each double-clicking pay, ${CONCURRENCY} at a time`);
  const ids = fans.map((f) => f.orderId);
  const cpuBefore: CpuSnapshot = snapshotCpu(target.pids());
  const started = performance.now();
  const checkout = await payAll(target, fans, true);
  const completed = await waitFor('orders complete', FANS, ordersComplete(target, ids));
  // Tickets issues the tickets from orders.order.completed, a step later.
  const ticketed = await waitFor('orders with tickets', FANS, ordersWithTickets(target, ids));
  const cpu = cpuBetween(cpuBefore, snapshotCpu(target.pids()));

  const rows = await target.query(
    'orders',
    "SELECT id, updated_at FROM orders WHERE id = ANY($1::uuid[]) AND status = 'complete'",
    [ids],
  );
  const toComplete = rows.map(
    (r) => (r.updated_at as Date).getTime() - (checkout.clickedAt.get(r.id as string) as number),
  );
  const firstClick = Math.min(...checkout.clickedAt.values());
  const lastComplete = Math.max(...rows.map((r) => (r.updated_at as Date).getTime()));
  const paidSeconds = (lastComplete - firstClick) / 1000;
  const check = await invariants(target, ids);

  console.log(`\nCheckout burst — ${target.label}`);
  console.log(
    `  ${FANS} fans × 1 ticket, each double-clicking pay, ${CONCURRENCY} at a time (sandbox provider; ${warmUp} warm-up fans before)`,
  );
  console.log(
    `  POST /api/payments statuses: ${JSON.stringify(Object.fromEntries(checkout.statuses))}`,
  );
  for (const [status, body] of checkout.samples) console.log(`  a ${status} answered: ${body}`);
  console.log(`  double-click round trip: ${summary(checkout.roundTrips)}`);
  console.log(`  click → order complete (webhook, orders, outbox): ${summary(toComplete)}`);
  console.log(
    `  ${rows.length} of ${FANS} orders complete in ${paidSeconds.toFixed(1)} s from the first click = ${(rows.length / paidSeconds).toFixed(1)} paid orders/s; tickets for ${ticketed.reached} orders after ${((ticketed.at - started) / 1000).toFixed(1)} s`,
  );
  const totalCpu = [...cpu.values()].reduce((a, b) => a + b, 0);
  const paid = Math.max(completed.reached, 1);
  console.log(
    `  CPU per paid order (${completed.reached} paid): ${(totalCpu / paid).toFixed(2)} ms in all — ${[
      ...cpu.entries(),
    ]
      .sort((a, b) => b[1] - a[1])
      .map(([name, used]) => `${name} ${(used / paid).toFixed(2)}`)
      .join(', ')}`,
  );
  console.log(
    `  charges ${check.charges} (for ${check.chargedOrders} orders), orders complete ${check.complete}, tickets issued ${check.issued} (for ${check.issuedOrders} orders), payments.payment.succeeded ${check.successes} (for ${check.successOrders} orders) — each must be ${FANS}`,
  );
  const broken = Object.entries(check).filter(([, n]) => n !== FANS);
  console.log(
    broken.length === 0
      ? '  invariants OK: one charge, one success event, one ticket per order'
      : `  INVARIANTS BROKEN: ${broken.map(([name, n]) => `${name} ${n}`).join(', ')}`,
  );
  if (broken.length > 0) process.exitCode = 1;
}

async function main(onStop: (stop: () => Promise<unknown>) => void) {
  const starting = process.env.BENCH_TARGET === 'in-process' ? inProcess() : privatePlatform();
  // A start that failed has stopped what it started.
  onStop(() =>
    starting.then(
      (target) => target.close(),
      () => undefined,
    ),
  );
  await run(await starting);
}

runBounded({ minutes: TIME_LIMIT_MINUTES }, main);
