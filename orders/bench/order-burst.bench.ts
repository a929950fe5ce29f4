/**
 * On-sale burst through the whole order path (not a test; run on demand):
 *
 *   npx tsx orders/bench/order-burst.bench.ts                          # services in-process
 *   GATEWAY_URL=http://localhost:8080 npx tsx orders/bench/order-burst.bench.ts   # `npm start` platform
 *
 * Many fans POST /api/orders for one hot category at once. Each POST is the real path:
 * order row, NATS request to tickets, atomic hold in tickets' database, order confirmed,
 * orders.order.created through the outbox. Prints orders placed per second, latency
 * percentiles, and oversell = sold + held (+ partners) − capacity read from tickets' own
 * table, which must be ≤ 0. Knobs: BENCH_FANS, BENCH_CONCURRENCY, BENCH_CAPACITY,
 * BENCH_MATCH, BENCH_CATEGORY. Bounded: one request per fan, then it stops.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { localDatabaseUrl, type CurrentUser } from '@ticketaka/common';
import { percentile } from '@ticketaka/common/testing';

const FANS = Number(process.env.BENCH_FANS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const CAPACITY = Number(process.env.BENCH_CAPACITY ?? 1500);
const MATCH = Number(process.env.BENCH_MATCH ?? 1);
const CATEGORY = Number(process.env.BENCH_CATEGORY ?? 1);
const GATEWAY_URL = process.env.GATEWAY_URL;

interface Target {
  label: string;
  ordersUrl: string;
  /** A query on tickets' schema (the oversell check reads the owner's own counters). */
  tickets(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  orders(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  tokens(count: number): Promise<string[]>;
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
    label: 'in-process (tickets + orders + expiration, one Node process)',
    ordersUrl: orders.url,
    tickets: async (sql, params) => (await tickets.runtime.pool.query(sql, params)).rows,
    orders: async (sql, params) => (await orders.runtime.pool.query(sql, params)).rows,
    tokens: async (count) =>
      Array.from({ length: count }, () => {
        const id = randomUUID();
        const user: CurrentUser = {
          id,
          email: `bench-${id.slice(0, 8)}@example.com`,
          displayName: 'Bench',
          country: 'AR',
          role: 'fan',
        };
        return env.tokenFor(user);
      }),
    close: async () => {
      await expiration.close();
      await orders.close();
      await tickets.close();
      await env.cleanup();
      await stopStarted(servers);
    },
  };
}

/** A running platform (`npm start`): fans sign up through the gateway like real ones. */
async function throughGateway(url: string): Promise<Target> {
  const connect = async (schema: string) => {
    const client = new Client({
      connectionString: process.env.DATABASE_URL ?? localDatabaseUrl(),
      options: `-c search_path=${schema}`,
    });
    await client.connect();
    return client;
  };
  const ticketsDb = await connect('tickets');
  const ordersDb = await connect('orders');
  return {
    label: `gateway ${url} (nginx → services as separate processes)`,
    ordersUrl: url,
    tickets: async (sql, params) => (await ticketsDb.query(sql, params)).rows,
    orders: async (sql, params) => (await ordersDb.query(sql, params)).rows,
    tokens: async (count) => {
      const tokens: string[] = [];
      const run = new Set<Promise<void>>();
      const runId = randomUUID().slice(0, 8);
      for (let i = 0; i < count; i += 1) {
        const job = (async () => {
          const response = await fetch(`${url}/api/users/signup`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              email: `bench-${runId}-${i}@example.com`,
              password: 'bench password 1',
              displayName: 'Bench',
              country: 'AR',
            }),
          });
          if (response.status !== 201)
            throw new Error(`sign-up answered ${response.status}: ${await response.text()}`);
          tokens.push(((await response.json()) as { token: string }).token);
        })();
        run.add(job);
        void job.finally(() => run.delete(job));
        if (run.size >= 8) await Promise.race(run);
      }
      await Promise.all(run);
      return tokens;
    },
    close: async () => {
      await ticketsDb.end();
      await ordersDb.end();
    },
  };
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main() {
  const target = GATEWAY_URL
    ? await throughGateway(GATEWAY_URL.replace(/\/$/, ''))
    : await inProcess();
  try {
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
    process.stdout.write(`Preparing ${FANS} fans … `);
    const tokens = await target.tokens(FANS);
    process.stdout.write('done\n');

    const latencies: number[] = [];
    const placedLatencies: number[] = [];
    const statuses = new Map<number, number>();
    const placedIds: { id: string; token: string }[] = [];
    let next = 0;
    const started = performance.now();
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
                'content-type': 'application/json',
                authorization: `Bearer ${token}`,
                'idempotency-key': randomUUID(),
              },
              body: JSON.stringify({ matchNumber: MATCH, category: CATEGORY, quantity: 1 }),
            });
            status = response.status;
            const body = (await response.json()) as { order?: { id: string } };
            if (status === 201 && body.order) placedIds.push({ id: body.order.id, token });
          } catch {
            status = -1;
          }
          const took = performance.now() - t0;
          latencies.push(took);
          if (status === 201) placedLatencies.push(took);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;

    const [inventory] = await target.tickets(
      'SELECT capacity, sold, held, partner_held, partner_sold FROM inventory WHERE match_number = $1 AND category = $2',
      [MATCH, CATEGORY],
    );
    const inv = inventory as {
      capacity: number;
      sold: number;
      held: number;
      partner_held: number;
      partner_sold: number;
    };
    const oversell = inv.sold + inv.held + inv.partner_held + inv.partner_sold - inv.capacity;
    const [awaiting] = await target.orders(
      "SELECT count(*)::int AS n FROM orders WHERE match_number = $1 AND category = $2 AND status = 'awaiting_payment' AND id = ANY($3::uuid[])",
      [MATCH, CATEGORY, placedIds.map((p) => p.id)],
    );

    latencies.sort((a, b) => a - b);
    placedLatencies.sort((a, b) => a - b);
    const placed = statuses.get(201) ?? 0;
    console.log(`\nOrder burst — ${target.label}`);
    console.log(
      `  match ${MATCH} category ${CATEGORY}: ${CAPACITY} seats free, ${FANS} fans × 1 ticket, ${CONCURRENCY} in flight`,
    );
    console.log(
      `  answers: ${[...statuses.entries()].map(([s, n]) => `${s === -1 ? 'network error' : s} × ${n}`).join(', ')}`,
    );
    console.log(`  wall time ${seconds.toFixed(2)} s`);
    console.log(
      `  orders placed/s ${(placed / seconds).toFixed(0)} (requests/s ${(latencies.length / seconds).toFixed(0)})`,
    );
    console.log(
      `  latency, all answers: p50 ${ms(percentile(latencies, 50))}  p95 ${ms(percentile(latencies, 95))}  p99 ${ms(percentile(latencies, 99))}  max ${ms(latencies.at(-1) ?? NaN)}`,
    );
    console.log(
      `  latency, 201 only:    p50 ${ms(percentile(placedLatencies, 50))}  p95 ${ms(percentile(placedLatencies, 95))}  p99 ${ms(percentile(placedLatencies, 99))}`,
    );
    console.log(
      `  tickets' counters: capacity ${inv.capacity}, sold ${inv.sold}, held ${inv.held}, partner ${inv.partner_held + inv.partner_sold}`,
    );
    console.log(
      `  oversell (sold + held + partners − capacity): ${oversell}  ${oversell <= 0 ? 'OK' : 'OVERSOLD'}`,
    );
    console.log(`  orders awaiting payment ${(awaiting as { n: number }).n} of ${placed} placed`);

    // Give the seats back so a running platform is left as it was found.
    for (let i = 0; i < placedIds.length; i += 32) {
      await Promise.all(
        placedIds.slice(i, i + 32).map(({ id, token }) =>
          fetch(`${target.ordersUrl}/api/orders/${id}`, {
            method: 'DELETE',
            headers: { authorization: `Bearer ${token}` },
          }),
        ),
      );
    }
    // Once tickets has released them, the category gets its own capacity back.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
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
  } finally {
    await target.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
