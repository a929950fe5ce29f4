/**
 * Hold → payable under partner sync, at a fixed arrival rate (not a test; run on demand, bounded):
 *
 *   npx tsx orders/bench/partner-sync.bench.ts                        # 200 orders/s for 20 s
 *   BENCH_RATE=30 BENCH_SECONDS=5 npx tsx orders/bench/partner-sync.bench.ts   # a smoke run
 *
 * The goal: "with partner sync on, hold → payable p99 ≤ 250 ms at 200 orders/s". With
 * PARTNER_SYNC=true a POST /api/orders only places the hold (201, order `created`); the order
 * becomes payable (`awaiting_payment`) once our TICKET_PENDING went tickets outbox → JetStream
 * → kafka-bridge → Kafka, came back from its partition, was granted by the ledger, confirmed
 * in tickets and announced to orders. That second half is what this measures.
 *
 * One mode only: a private platform (the launcher's own, through its nginx gateway and the
 * security check; security, tickets, orders, expiration, payments, kafka-bridge, plus its own
 * PostgreSQL, NATS, Redis and Kafka broker) on ports + BENCH_PORT_OFFSET. A running platform is
 * not offered: the ledger takes each category's capacity from the master list on the partner
 * log, first listing wins, so seats cannot be added afterwards, and the bundled list (≤ 20
 * seats a category) sells out in a fraction of a second at 200/s. Here the bridge seeds its
 * empty topic with a list of our own (the bundled matches, availability sized to the run).
 *
 * Open loop: order i leaves at start + i / BENCH_RATE whether or not earlier ones were
 * answered, and every latency counts from that scheduled moment, so a queue anywhere
 * (client sockets included) shows up instead of slowing the offered rate. Each order is a
 * new fan, 1 ticket, round robin over BENCH_MATCHES matches × 3 categories. "Payable" is not
 * polled through the gateway (that would be extra load on the path measured): orders writes
 * `updated_at = now()` in the transaction that makes the order `awaiting_payment`, and nothing
 * else touches an unpaid order within its 15-minute lock, so after the run that column is
 * read from PostgreSQL and compared with the scheduled moment on this machine's clock.
 * PostgreSQL's now() is the transaction's start, so the figure is low by the few ms that
 * transaction took, never by a queue (the queue is before it).
 *
 * Before the measured run: one order alone (the first after start-up pays for the producer's
 * connection and the consumer group's first fetch; printed separately), then BENCH_WARMUP_SECONDS
 * at the same rate on a match of its own, settled before the clock starts.
 *
 * Afterwards, from the databases: oversell per category used (sold + held + partner_held +
 * partner_sold − capacity, must be ≤ 0), and every order of the run's fans either payable or
 * cancelled with a reason once things settled (BENCH_SETTLE_SECONDS). Either violation exits
 * 1; the overall time limit exits 2 (after stopping the platform).
 *
 * Knobs: BENCH_RATE (200 orders/s) BENCH_SECONDS (20) BENCH_WARMUP_SECONDS (3) BENCH_MATCHES (4)
 * BENCH_CAPACITY (seats per category; default twice the run's share, so nothing sells out)
 * BENCH_CONNECTIONS (256 kept-alive sockets; a request waiting for one is late, and counted so)
 * BENCH_SETTLE_SECONDS (60) BENCH_IDLE_SECONDS (2: the platform's idle CPU, measured before the run)
 * BENCH_TIME_LIMIT_MINUTES (12) BENCH_PORT_OFFSET (700)
 * BENCH_CHECK_TIMEOUT_MS (1000: the gateway's wait for the security check, as order-burst)
 * BENCH_KEEP_HOME=true (keeps the platform's logs, Kafka's included).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import {
  localAdminDatabaseUrl,
  localJwtKeyPair,
  TOKEN_ALGORITHM,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
} from '@ticketaka/common';
import { BROWSER, percentile } from '@ticketaka/common/testing';
import { localPorts } from '@ticketaka/common/src/config/local-defaults';
import { runBounded } from '../../infra/src/bench/bounded-run';
import { cpuBetween, snapshotCpu } from '../../infra/src/bench/process-cpu';
import type { PrivatePlatform } from '../../infra/src/bench/private-platform';
import { homeDir } from '../../infra/src/paths';
import { SEED_MASTER_LIST } from '../../tickets/src/data-access/seed/master-list-file';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const MATCHES = Number(process.env.BENCH_MATCHES ?? 4);
const CATEGORIES = [1, 2, 3];
const CAPACITY = Number(
  process.env.BENCH_CAPACITY ??
    Math.ceil((2 * RATE * SECONDS) / (MATCHES * CATEGORIES.length)) + 50,
);
const WARMUP_CAPACITY = Math.ceil((2 * RATE * WARMUP_SECONDS) / CATEGORIES.length) + 50;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 256);
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 60);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 2);
const TIME_LIMIT_MINUTES = Number(process.env.BENCH_TIME_LIMIT_MINUTES ?? 12);
const OFFSET = Number(process.env.BENCH_PORT_OFFSET ?? 700);
const CHECK_TIMEOUT_MS = process.env.BENCH_CHECK_TIMEOUT_MS ?? '1000';
/** Every service on the path from hold to payable; analytics, notifications, client left out. */
const SERVICES = ['security', 'tickets', 'orders', 'expiration', 'payments', 'kafka-bridge'];
/** A request that takes this long is counted as failed (the platform is far past the goal). */
const REQUEST_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : '—');
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const spread = (values: number[]) => {
  const s = sorted(values);
  return `p50 ${ms(percentile(s, 50))}  p95 ${ms(percentile(s, 95))}  p99 ${ms(percentile(s, 99))}  max ${ms(s.at(-1) ?? NaN)}`;
};

interface Fan {
  userId: string;
  token: string;
}

/** Access tokens as auth issues them, signed with the platform's own key pair. */
function mintFans(privateKey: string, count: number): Fan[] {
  return Array.from({ length: count }, () => {
    const userId = randomUUID();
    const token = jwt.sign(
      {
        email: `bench-${userId.slice(0, 8)}@example.com`,
        name: 'Bench',
        country: 'AR',
        role: 'fan',
        sid: randomUUID(),
        ver: 1,
      },
      privateKey,
      {
        algorithm: TOKEN_ALGORITHM,
        subject: userId,
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        expiresIn: 3600,
      },
    );
    return { userId, token };
  });
}

/**
 * The bundled list's first matches (real names, dates and prices), every category at the
 * given seats: the measured matches, and one more for the warm-up so its orders share nothing
 * with the run's.
 */
function benchMasterList(measured: number[], warmUp: number) {
  const all = JSON.parse(fs.readFileSync(SEED_MASTER_LIST, 'utf8')) as {
    matchNumber: number;
    availability: Record<string, { available: number; pending: number; price: number }>;
  }[];
  const seats = (n: number) => (n === warmUp ? WARMUP_CAPACITY : CAPACITY);
  return all
    .filter((m) => measured.includes(m.matchNumber) || m.matchNumber === warmUp)
    .map((m) => ({
      ...m,
      availability: Object.fromEntries(
        Object.entries(m.availability).map(([k, v]) => [
          k,
          { ...v, available: seats(m.matchNumber), pending: 0 },
        ]),
      ),
    }));
}

interface Attempt {
  fan: Fan;
  matchNumber: number;
  category: number;
  /** The scheduled moment on the wall clock (ms since the epoch), to compare with PostgreSQL's. */
  scheduledWall: number;
  /** HTTP status of the POST; 0 = no answer (connection error or REQUEST_TIMEOUT_MS). */
  status?: number;
  code?: string;
  /** Scheduled moment → answer. */
  latency?: number;
  orderId?: string;
}

function postOrder(
  agent: http.Agent,
  gatewayUrl: string,
  attempt: Attempt,
): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify({
    matchNumber: attempt.matchNumber,
    category: attempt.category,
    quantity: 1,
  });
  return new Promise((resolve) => {
    const req = http.request(
      `${gatewayUrl}/api/orders`,
      {
        method: 'POST',
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          ...BROWSER,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${attempt.fan.token}`,
          'idempotency-key': randomUUID(),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', () => resolve({ status: 0, body: 'response error' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
    req.end(payload);
  });
}

/** `fans.length` orders at RATE/s, open loop; resolves once every one was answered. */
async function openLoop(
  agent: http.Agent,
  gatewayUrl: string,
  fans: Fan[],
  matches: number[],
  label: string,
): Promise<{ attempts: Attempt[]; seconds: number; sendSeconds: number }> {
  const attempts: Attempt[] = [];
  const inFlight: Promise<void>[] = [];
  let answered = 0;
  const started = performance.now();
  // performance.now() is monotonic; the offset maps it onto the clock PostgreSQL reads.
  const wallOffset = Date.now() - started;
  const progress = setInterval(() => {
    const s = (performance.now() - started) / 1000;
    console.log(
      `  … ${label} ${s.toFixed(0)} s: ${attempts.length} sent, ${answered} answered, ${attempts.length - answered} in flight`,
    );
  }, 1000);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(
        fans.length,
        Math.floor(((performance.now() - started) / 1000) * RATE) + 1,
      );
      while (attempts.length < due) {
        const i = attempts.length;
        const scheduledAt = started + (i / RATE) * 1000;
        const attempt: Attempt = {
          fan: fans[i] as Fan,
          matchNumber: matches[i % matches.length] as number,
          category: CATEGORIES[Math.floor(i / matches.length) % CATEGORIES.length] as number,
          scheduledWall: wallOffset + scheduledAt,
        };
        attempts.push(attempt);
        inFlight.push(
          postOrder(agent, gatewayUrl, attempt).then(({ status, body }) => {
            attempt.latency = performance.now() - scheduledAt;
            attempt.status = status;
            answered += 1;
            try {
              const parsed = JSON.parse(body) as {
                order?: { id: string };
                errors?: { code?: string }[];
              };
              attempt.orderId = parsed.order?.id;
              attempt.code = parsed.errors?.[0]?.code;
            } catch {
              attempt.code = status === 0 ? body : `not JSON: ${body.slice(0, 80)}`;
            }
          }),
        );
      }
      if (attempts.length >= fans.length) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const sendSeconds = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  clearInterval(progress);
  return { attempts, seconds: (performance.now() - started) / 1000, sendSeconds };
}

interface OrderRow {
  id: string;
  user_id: string;
  status: string;
  cancel_reason: string | null;
  created_ms: number;
  updated_ms: number;
}

async function ordersOf(db: Client, fans: Fan[]): Promise<OrderRow[]> {
  const { rows } = await db.query<OrderRow>(
    `SELECT id, user_id, status, cancel_reason,
            extract(epoch FROM created_at) * 1000 AS created_ms,
            extract(epoch FROM updated_at) * 1000 AS updated_ms
       FROM orders.orders WHERE user_id = ANY($1::uuid[])`,
    [fans.map((f) => f.userId)],
  );
  return rows.map((r) => ({
    ...r,
    created_ms: Number(r.created_ms),
    updated_ms: Number(r.updated_ms),
  }));
}

/** Waits until no order of these fans is still `created` (the partner log has not decided). */
async function settle(db: Client, fans: Fan[], seconds: number): Promise<number> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM orders.orders
        WHERE user_id = ANY($1::uuid[]) AND status = 'created'`,
      [fans.map((f) => f.userId)],
    );
    const pending = rows[0]?.n ?? 0;
    if (pending === 0 || Date.now() > until) return pending;
    await sleep(100);
  }
}

/**
 * Hold → payable of each payable order (its awaiting_payment moment − its scheduled moment),
 * with the second of the run it was scheduled in: a queue shows as figures that keep growing.
 */
function holdToPayable(attempts: Attempt[], orders: OrderRow[]) {
  const byId = new Map(orders.map((o) => [o.id, o]));
  return attempts.flatMap((a, i) => {
    const order = a.orderId ? byId.get(a.orderId) : undefined;
    return order?.status === 'awaiting_payment'
      ? [{ second: Math.floor(i / RATE), ms: order.updated_ms - a.scheduledWall }]
      : [];
  });
}

/** p50 / max of each second of the run, on one line. */
function bySecond(figures: { second: number; ms: number }[]): string {
  const seconds = new Map<number, number[]>();
  for (const f of figures) seconds.set(f.second, [...(seconds.get(f.second) ?? []), f.ms]);
  return [...seconds.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([second, values]) => {
      const s = sorted(values);
      return `${second}s ${percentile(s, 50).toFixed(0)}/${(s.at(-1) as number).toFixed(0)}`;
    })
    .join(' ');
}

async function waitForCatalogue(db: Client, matches: number[], deadlineMs: number) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const { rows } = await db
      .query<{ n: number }>(
        'SELECT count(*)::int AS n FROM tickets.inventory WHERE match_number = ANY($1::int[])',
        [matches],
      )
      .catch(() => ({ rows: [{ n: 0 }] }));
    if ((rows[0]?.n ?? 0) >= matches.length * CATEGORIES.length) return;
    if (Date.now() > until)
      throw new Error(
        `the master list never reached tickets (${rows[0]?.n ?? 0} of ${matches.length * CATEGORIES.length} categories)`,
      );
    await sleep(250);
  }
}

let platform: PrivatePlatform | undefined;
let masterListDir: string | undefined;
let starting: Promise<PrivatePlatform> | undefined;

/** Stops what this run started, at most once (runBounded and the run's own end both ask). */
let stopping: Promise<void> | undefined;
function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    // A limit reached while the platform is starting must still stop it: wait for the start
    // to end (each of its steps has its own timeout; a failed start stops what it started).
    const running = platform ?? (await starting?.catch(() => undefined));
    platform = undefined;
    if (running)
      await Promise.race([
        running.stop(),
        sleep(60_000).then(() => console.error('  platform did not stop within 60 s')),
      ]);
    if (masterListDir) fs.rmSync(masterListDir, { recursive: true, force: true });
  })();
  return stopping;
}

async function main(onStop: (stop: () => Promise<unknown>) => void) {
  onStop(stopEverything);

  const measuredMatches = Array.from({ length: MATCHES }, (_, i) => i + 1);
  const warmUpMatch = MATCHES + 1;
  const list = benchMasterList(measuredMatches, warmUpMatch);
  if (list.length !== MATCHES + 1) throw new Error(`the bundled list has no match ${warmUpMatch}`);
  masterListDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partner-sync-bench-'));
  const masterListFile = path.join(masterListDir, 'master-list.json');
  fs.writeFileSync(masterListFile, JSON.stringify(list));

  const { startPrivatePlatform } = await import('../../infra/src/bench/private-platform');
  console.log(
    `Starting a private platform with partner sync (${SERVICES.join(', ')}; Kafka broker; ports + ${OFFSET}) …`,
  );
  starting = startPrivatePlatform({
    label: 'partner-sync',
    offset: OFFSET,
    services: SERVICES,
    env: {
      PARTNER_SYNC: 'true',
      // The private platform moves KAFKA_PORT but not the controller's port; left at its
      // default it would collide with a shared broker's controller, or another bench's.
      KAFKA_CONTROLLER_PORT: String(localPorts.KAFKA_CONTROLLER_PORT + OFFSET),
      // The catalogue comes only from the partner log (as chaos-run does), so tickets' seats
      // and the ledger's are the same numbers: tickets loading its bundled list first would
      // keep ≤ 20 seats a category in tickets while the ledger grants thousands.
      LOAD_MASTER_LIST_ON_START: 'false',
      KAFKA_SEED_MASTER_LIST: 'true',
      KAFKA_SEED_MASTER_LIST_FILE: masterListFile,
      // The explicit load-test allowance: thousands of fans from loopback are not one client
      // to the per-address rules. Every other rule of the check still runs (security/README.md).
      SECURITY_LOAD_TEST_SOURCES: '127.0.0.1',
      // The check runs for every request; at the gateway's default 50 ms a short queue in
      // front of it fails the purchase route closed (503) for the queue, not for a verdict.
      GATEWAY_CHECK_TIMEOUT_MS: CHECK_TIMEOUT_MS,
    },
  });
  platform = await starting;
  const { gatewayUrl } = platform;
  const db = new Client({ connectionString: localAdminDatabaseUrl(platform.env) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  try {
    await db.connect();
    const allMatches = [...measuredMatches, warmUpMatch];
    await waitForCatalogue(db, allMatches, 120_000);
    const keys = localJwtKeyPair(path.join(homeDir(platform.env), 'keys'));
    const count = Math.round(RATE * SECONDS);
    const fans = mintFans(keys.privateKey, count);
    const warmFans = mintFans(keys.privateKey, Math.max(1, Math.round(RATE * WARMUP_SECONDS)));
    const [firstFan] = mintFans(keys.privateKey, 1) as [Fan];

    // The first order alone: what a fan meets right after start-up.
    const firstT0 = Date.now();
    const first: Attempt = {
      fan: firstFan,
      matchNumber: warmUpMatch,
      category: 1,
      scheduledWall: firstT0,
    };
    const firstAnswer = await postOrder(agent, gatewayUrl, first);
    const firstPost = Date.now() - firstT0;
    if (firstAnswer.status !== 201)
      throw new Error(`the first order was refused: ${firstAnswer.status} ${firstAnswer.body}`);
    await settle(db, [firstFan], 60);
    const [firstOrder] = await ordersOf(db, [firstFan]);
    console.log(
      `  first order after start-up: POST ${firstPost} ms, payable after ${firstOrder?.status === 'awaiting_payment' ? `${(firstOrder.updated_ms - firstT0).toFixed(0)} ms` : `— (${firstOrder?.status})`}`,
    );

    if (WARMUP_SECONDS > 0) {
      const warm = await openLoop(agent, gatewayUrl, warmFans, [warmUpMatch], 'warm-up');
      const left = await settle(db, warmFans, SETTLE_SECONDS);
      const figures = holdToPayable(warm.attempts, await ordersOf(db, warmFans)).map((f) => f.ms);
      console.log(
        `  warm-up: ${warmFans.length} orders at ${RATE}/s on match ${warmUpMatch}; hold → payable ${spread(figures)}${left ? `; ${left} still created` : ''}`,
      );
    }

    console.log(
      `Run: ${count} orders at ${RATE}/s for ${SECONDS} s, open loop, over matches ${measuredMatches.join(', ')} × categories 1–3 (${CAPACITY} seats each)`,
    );
    // What the platform burns with nothing to do (the broker, timers, sweepers, pollers):
    // on a short run it is a visible share of the CPU per order, so it is printed beside it.
    const idleStarted = performance.now();
    const idleBefore = snapshotCpu(platform.pids());
    await sleep(IDLE_SECONDS * 1000);
    const idle = cpuBetween(idleBefore, snapshotCpu(platform.pids()));
    const idleSeconds = (performance.now() - idleStarted) / 1000;
    const cpuBefore = snapshotCpu(platform.pids());
    const ownCpuBefore = process.cpuUsage();
    const cpuStarted = performance.now();
    const run = await openLoop(agent, gatewayUrl, fans, measuredMatches, 'run');
    const settleStarted = Date.now();
    const stillCreated = await settle(db, fans, SETTLE_SECONDS);
    const settleSeconds = (Date.now() - settleStarted) / 1000;
    const cpu = cpuBetween(cpuBefore, snapshotCpu(platform.pids()));
    const cpuSeconds = (performance.now() - cpuStarted) / 1000;
    const ownCpu = process.cpuUsage(ownCpuBefore);

    const orders = await ordersOf(db, fans);
    const byId = new Map(orders.map((o) => [o.id, o]));
    const placed = run.attempts.filter((a) => a.status === 201 && a.orderId);
    const postLatencies = run.attempts.flatMap((a) => (a.latency === undefined ? [] : [a.latency]));
    const placedLatencies = placed.map((a) => a.latency as number);
    const payableBySecond = holdToPayable(run.attempts, orders);
    const payable = payableBySecond.map((f) => f.ms);
    const statuses = new Map<string, number>();
    for (const a of run.attempts) {
      const key = a.status === 201 ? '201' : `${a.status || 'no answer'} ${a.code ?? ''}`.trim();
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
    const fates = new Map<string, number>();
    for (const o of orders) {
      const key =
        o.status === 'cancelled' ? `cancelled (${o.cancel_reason ?? 'no reason'})` : o.status;
      fates.set(key, (fates.get(key) ?? 0) + 1);
    }
    // Orders whose POST was never answered 201 (a gateway 503 after orders had placed it,
    // a client timeout) are the run's too: each must end as clearly as the others.
    const placedIds = new Set(placed.map((a) => a.orderId));
    const unanswered = orders.filter((o) => !placedIds.has(o.id)).length;
    const undecided = orders.filter(
      (o) => !(o.status === 'awaiting_payment' || (o.status === 'cancelled' && o.cancel_reason)),
    );
    const placedNotFound = placed.filter((a) => !byId.has(a.orderId as string)).length;
    // The clock comparison assumes one clock: an order row older than its own scheduled
    // moment would say it is not (or that the warm-up's rows got mixed in).
    const earliest = Math.min(
      ...placed.map(
        (a) => (byId.get(a.orderId as string)?.created_ms ?? Infinity) - a.scheduledWall,
      ),
    );

    // Where the time went, from each step's own PostgreSQL timestamp (transaction starts).
    const stages = await db
      .query<Record<'placed' | 'bridged' | 'produced' | 'decided' | 'payable', number>>(
        `SELECT extract(epoch FROM o.created_at) * 1000 AS placed,
                extract(epoch FROM m.created_at) * 1000 AS bridged,
                extract(epoch FROM m.sent_at) * 1000 AS produced,
                extract(epoch FROM h.fate_notified_at) * 1000 AS decided,
                extract(epoch FROM o.updated_at) * 1000 AS payable
           FROM orders.orders o
           JOIN kafka_bridge.outbound_messages m ON m.order_id = o.id AND m.action = 'TICKET_PENDING'
           JOIN kafka_bridge.own_holds h ON h.order_id = o.id
          WHERE o.id = ANY($1::uuid[]) AND o.status = 'awaiting_payment'`,
        [placed.map((a) => a.orderId)],
      )
      .then((r) =>
        r.rows.map((row) =>
          Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])),
        ),
      )
      .catch((error: Error) => {
        console.warn(`  (stage breakdown unavailable: ${error.message})`);
        return [];
      });
    const ownHolds = await db.query<{ fate: string; n: number }>(
      `SELECT fate, count(*)::int AS n FROM kafka_bridge.own_holds
        WHERE order_id = ANY($1::uuid[]) GROUP BY fate ORDER BY fate`,
      [orders.map((o) => o.id)],
    );

    const { rows: inventory } = await db.query<
      Record<
        | 'match_number'
        | 'category'
        | 'capacity'
        | 'sold'
        | 'held'
        | 'partner_held'
        | 'partner_sold',
        number
      >
    >(
      `SELECT match_number, category, capacity, sold, held, partner_held, partner_sold
         FROM tickets.inventory WHERE match_number = ANY($1::int[]) ORDER BY 1, 2`,
      [allMatches],
    );
    const overs = inventory.map(
      (c) => c.sold + c.held + c.partner_held + c.partner_sold - c.capacity,
    );
    const oversold = inventory.filter((_, i) => (overs[i] as number) > 0);
    const taken = inventory
      .filter((c) => measuredMatches.includes(c.match_number))
      .map((c) => c.sold + c.held + c.partner_held + c.partner_sold);

    console.log(
      `\nPartner sync: hold → payable — private platform through its gateway ${gatewayUrl}`,
    );
    console.log(
      `  (nginx + security check, timeout ${CHECK_TIMEOUT_MS} ms → services as processes → tickets → JetStream → kafka-bridge → local Kafka broker and back)`,
    );
    console.log(
      `  offered ${RATE}/s for ${SECONDS} s = ${count} orders (sent in ${run.sendSeconds.toFixed(2)} s: ${(count / run.sendSeconds).toFixed(1)}/s); achieved ${(placed.length / run.seconds).toFixed(1)} holds placed/s (${placed.length} in ${run.seconds.toFixed(2)} s, last answer included)`,
    );
    console.log(`  answers: ${[...statuses.entries()].map(([s, n]) => `${s} × ${n}`).join(', ')}`);
    console.log(`  POST (hold placed), all answers: ${spread(postLatencies)}`);
    console.log(`  POST (hold placed), 201 only:    ${spread(placedLatencies)}`);
    console.log(
      `  hold → payable (scheduled moment → awaiting_payment, ${payable.length} orders): ${spread(payable)}`,
    );
    console.log(`    by second scheduled (p50/max ms): ${bySecond(payableBySecond)}`);
    const p99 = percentile(sorted(payable), 99);
    console.log(
      `  goal p99 ≤ 250 ms at 200 orders/s: ${RATE < 200 ? `not tested at ${RATE}/s` : p99 <= 250 && payable.length === placed.length ? 'MET' : 'NOT MET'} (p99 ${ms(p99)})`,
    );
    if (stages.length > 0) {
      const step = (from: string, to: string) =>
        spread(stages.map((s) => (s[to] as number) - (s[from] as number)));
      console.log('  stages (PostgreSQL timestamps of each step):');
      console.log(
        `    order row → bridge has the hold (tickets outbox → JetStream): ${step('placed', 'bridged')}`,
      );
      console.log(
        `    bridge → produced to Kafka:                                  ${step('bridged', 'produced')}`,
      );
      console.log(
        `    produced → read back, ledger decided, tickets told:          ${step('produced', 'decided')}`,
      );
      console.log(
        `    tickets told → orders awaiting_payment:                      ${step('decided', 'payable')}`,
      );
    }
    console.log(
      `  orders of the run's fans after ${settleSeconds.toFixed(1)} s of settling: ${[...fates.entries()].map(([s, n]) => `${s} ${n}`).join(', ') || 'none'}`,
    );
    console.log(
      `    payable ${payable.length}, still created ${stillCreated}, refused at the POST ${run.attempts.length - placed.length}${unanswered ? `, in the database without a 201 answer ${unanswered}` : ''}${placedNotFound ? `, 201 but not in the database ${placedNotFound}` : ''}`,
    );
    console.log(
      `    the bridge's own holds: ${ownHolds.rows.map((r) => `${r.fate} ${r.n}`).join(', ') || 'none'}`,
    );
    const totalCpu = [...cpu.values()].reduce((a, b) => a + b, 0);
    const per = Math.max(1, placed.length);
    console.log(
      `  CPU per order placed (${placed.length}, run + settling): ${(totalCpu / per).toFixed(2)} ms in all — ${[
        ...cpu.entries(),
      ]
        .sort((a, b) => b[1] - a[1])
        .map(([name, used]) => `${name} ${(used / per).toFixed(2)}`)
        .join(
          ', ',
        )}; load generator (this process) ${((ownCpu.user + ownCpu.system) / 1000 / per).toFixed(2)}`,
    );
    const idleTotal = [...idle.values()].reduce((a, b) => a + b, 0) / idleSeconds;
    console.log(
      `  idle platform, measured for ${idleSeconds.toFixed(1)} s before the run: ${idleTotal.toFixed(0)} ms of CPU per second (${[
        ...idle.entries(),
      ]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([name, used]) => `${name} ${(used / idleSeconds).toFixed(0)}`)
        .join(
          ', ',
        )}, …); over the ${cpuSeconds.toFixed(1)} s counted that is ${((idleTotal * cpuSeconds) / per).toFixed(2)} ms per order of the figure above`,
    );
    console.log(
      `  clock check: order row − scheduled moment ≥ ${ms(earliest)} (must not be negative)`,
    );
    console.log(
      `  tickets' counters, ${inventory.length} categories: seats taken on the measured matches ${Math.min(...taken)}–${Math.max(...taken)} of ${CAPACITY} each`,
    );
    console.log(
      `  oversell (sold + held + partner_held + partner_sold − capacity, worst category): ${Math.max(...overs)}  ${oversold.length === 0 ? 'OK' : `OVERSOLD in ${oversold.map((c) => `${c.match_number}/${c.category}`).join(', ')}`}`,
    );
    console.log(
      `  every order payable or cancelled with a reason: ${
        undecided.length === 0
          ? 'OK'
          : `NO — ${undecided.length} (${undecided
              .slice(0, 5)
              .map((o) => `${o.id} ${o.status}`)
              .join(', ')})`
      }`,
    );
    if (oversold.length > 0 || undecided.length > 0 || inventory.length === 0) process.exitCode = 1;
  } finally {
    agent.destroy();
    await db.end().catch(() => undefined);
    await stopEverything();
  }
}

runBounded({ minutes: TIME_LIMIT_MINUTES }, main);
