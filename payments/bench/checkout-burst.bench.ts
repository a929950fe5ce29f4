/**
 * Checkout burst through the whole purchase path (not a test; run on demand):
 *
 *   npx tsx payments/bench/checkout-burst.bench.ts
 *
 * tickets, orders, expiration and payments (sandbox provider) run in this process on a fresh
 * database and NATS namespace. BENCH_FANS fans each place a one-ticket order, then all pay at
 * once, each with a double click (two concurrent POST /api/payments), BENCH_CONCURRENCY fans
 * at a time. Each payment is the real path: claim, sandbox intent and charge, signed webhook
 * over HTTP to the webhook route, payments.payment.succeeded through the outbox, orders
 * completes, tickets sells the hold and issues the ticket. Prints the POST latency, the time
 * from the click to the order being complete, and the invariants: charges = orders = tickets,
 * one success event per order.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { CurrentUser } from '@ticketaka/common';
import { percentile } from '@ticketaka/common/testing';

const FANS = Number(process.env.BENCH_FANS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CARD = { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' };

const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`;
};

async function post(url: string, token: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { order?: { id: string } } };
}

async function main() {
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
    ORDER_LOCK_SECONDS: '900',
  });
  const tickets = await startTicketsService(env.env);
  const orders = await startOrdersService(env.env);
  const expiration = await startExpirationService(env.env);
  const payments = await startPaymentsService(env.env);
  try {
    const fans = Array.from({ length: FANS }, (_, i) => {
      const id = randomUUID();
      const user: CurrentUser = {
        id,
        email: `bench-${id.slice(0, 8)}@example.com`,
        displayName: 'Bench',
        country: 'BR',
        role: 'fan',
      };
      return { token: env.tokenFor(user), match: 1 + (i % 48), category: 1 + (i % 3), orderId: '' };
    });
    for (const fan of fans) {
      const placed = await post(`${orders.url}/api/orders`, fan.token, {
        matchNumber: fan.match,
        category: fan.category,
        quantity: 1,
      });
      if (placed.status !== 201)
        throw new Error(`order not placed: ${placed.status} ${JSON.stringify(placed.body)}`);
      fan.orderId = placed.body.order!.id;
    }

    const postLatency: number[] = [];
    const clickedAt = new Map<string, number>();
    const statuses = new Map<number, number>();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < fans.length) {
          const fan = fans[next++]!;
          clickedAt.set(fan.orderId, Date.now());
          const t0 = performance.now();
          const clicks = await Promise.all(
            [0, 1].map(() =>
              post(`${payments.url}/api/payments`, fan.token, { orderId: fan.orderId, card: CARD }),
            ),
          );
          postLatency.push(performance.now() - t0);
          for (const c of clicks) statuses.set(c.status, (statuses.get(c.status) ?? 0) + 1);
        }
      }),
    );
    const ids = fans.map((f) => f.orderId);
    for (;;) {
      const { rows } = await orders.runtime.pool.query(
        "SELECT count(*)::int AS n FROM orders WHERE id = ANY($1) AND status = 'complete'",
        [ids],
      );
      if (rows[0].n === FANS) break;
      if (performance.now() - started > 120_000)
        throw new Error(`only ${rows[0].n} of ${FANS} orders complete after 120 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const elapsed = performance.now() - started;
    // Tickets issues the tickets from orders.order.completed, a step later.
    for (;;) {
      const { rows } = await tickets.runtime.pool.query(
        'SELECT count(DISTINCT order_id)::int AS n FROM tickets WHERE order_id = ANY($1)',
        [ids],
      );
      if (rows[0].n === FANS) break;
      if (performance.now() - started > 180_000)
        throw new Error(`only ${rows[0].n} of ${FANS} orders have tickets after 180 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const ticketsElapsed = performance.now() - started;
    const completed = await orders.runtime.pool.query(
      'SELECT id, updated_at FROM orders WHERE id = ANY($1)',
      [ids],
    );
    const toComplete = completed.rows.map(
      (r) => (r.updated_at as Date).getTime() - clickedAt.get(r.id as string)!,
    );

    const one = async (pool: typeof payments.runtime.pool, sql: string, params: unknown[] = []) =>
      (await pool.query(sql, params)).rows[0].n as number;
    const charges = await one(
      payments.runtime.pool,
      "SELECT count(*)::int AS n FROM sandbox_charges WHERE outcome = 'succeeded'",
    );
    const successes = await one(
      payments.runtime.pool,
      "SELECT count(*)::int AS n FROM outbox WHERE type = 'payments.payment.succeeded'",
    );
    const issued = await one(
      tickets.runtime.pool,
      'SELECT count(*)::int AS n FROM tickets WHERE order_id = ANY($1)',
      [ids],
    );

    console.log(
      `checkout burst: ${FANS} fans, each double-clicking pay, ${CONCURRENCY} at a time (sandbox provider, one Node process)`,
    );
    console.log(`  POST /api/payments statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    console.log(`  double-click round trip: ${summary(postLatency)}`);
    console.log(`  click → order complete (webhook, orders, outbox): ${summary(toComplete)}`);
    console.log(
      `  all ${FANS} orders complete in ${(elapsed / 1000).toFixed(1)} s = ${(FANS / (elapsed / 1000)).toFixed(1)} paid orders/s; all tickets issued after ${(ticketsElapsed / 1000).toFixed(1)} s`,
    );
    console.log(
      `  charges ${charges}, payments.payment.succeeded ${successes}, tickets issued ${issued} (each must be ${FANS})`,
    );
    if (charges !== FANS || successes !== FANS || issued !== FANS) process.exitCode = 1;
  } finally {
    await payments.close();
    await expiration.close();
    await orders.close();
    await tickets.close();
    await env.cleanup();
    await stopStarted(servers);
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
