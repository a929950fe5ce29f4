/**
 * On-sale burst benchmark for the tickets service (not a test; run on demand):
 *
 *   npx tsx tickets/bench/hold-burst.bench.ts [--requests 2000] [--capacity 1000]
 *     [--concurrency 200] [--quantity 1] [--target]
 *
 * Fires `requests` hold requests through real NATS request/reply at one hot category of
 * `capacity` seats, at most `concurrency` in flight, and prints holds per second, latency
 * percentiles, and the oversell count checked in PostgreSQL.
 *
 * By default it starts what it needs and tears it down afterwards: PostgreSQL and NATS
 * (only if nothing answers on the local ports; same code as `npm start`), a fresh database
 * and NATS namespace, and the tickets service as a child process. With `--target` it uses
 * a running platform instead (DATABASE_URL, NATS_URL, EVENT_NAMESPACE as that service has
 * them), adds its hot category as a new match there, and leaves that match in place.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import {
  createLogger,
  EventBus,
  HOLD_SUBJECT,
  holdResponseSchema,
  LOAD_MASTER_LIST_SUBJECT,
  loadMasterListResponseSchema,
  ADMIN_USER,
  localAdminDatabaseUrl,
  localCredentialsDir,
  localNatsUrl,
} from '@ticketaka/common';
import { startBenchService, startEverything, type Setup } from './bench-setup';
import { percentile } from '@ticketaka/common/testing';

interface Options {
  requests: number;
  capacity: number;
  concurrency: number;
  quantity: number;
  target: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    requests: 2000,
    capacity: 1000,
    concurrency: 200,
    quantity: 1,
    target: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--target') {
      options.target = true;
      continue;
    }
    const key = arg.replace(/^--/, '') as keyof Options;
    const value = Number(argv[i + 1]);
    if (!(key in options) || key === 'target' || !Number.isInteger(value) || value < 1) {
      throw new Error(
        `unknown or invalid option ${arg} ${argv[i + 1] ?? ''} (see the header of this file)`,
      );
    }
    options[key] = value as never;
    i += 1;
  }
  if (options.quantity > 10) throw new Error('--quantity is at most 10 (the hold contract)');
  return options;
}

const log = (message: string) => process.stdout.write(`[hold-burst] ${message}\n`);

/** The hot category, created through the service's own master-list loader; waits until it answers. */
async function createHotCategory(
  bus: EventBus,
  matchNumber: number,
  capacity: number,
  deadlineMs = 60_000,
) {
  const match = {
    matchNumber,
    roundNumber: 7,
    dateUtc: '2022-12-18T15:00:00Z',
    location: 'Lusail Stadium',
    homeTeam: 'Argentina',
    awayTeam: 'France',
    group: null,
    availability: {
      category1: { available: capacity, pending: 0, price: 75 },
      category2: { available: 500, pending: 0, price: 125 },
    },
  };
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await bus.request(
        LOAD_MASTER_LIST_SUBJECT,
        { matches: [match] },
        loadMasterListResponseSchema,
        2000,
      );
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function freeMatchNumber(db: Client): Promise<number> {
  const { rows } = await db.query<{ n: number | null }>(
    'SELECT max(match_number) AS n FROM matches WHERE match_number >= 900',
  );
  const next = (rows[0]?.n ?? 899) + 1;
  if (next > 999) throw new Error('no free bench match number left (900-999 are used)');
  return next;
}

async function burst(
  bus: EventBus,
  options: Options,
  matchNumber: number,
  category: number,
  requests: number,
) {
  const latencies: number[] = [];
  let held = 0;
  let lastHeldAt = 0;
  let refused = 0;
  let errors = 0;
  let next = 0;
  let done = 0;
  const progressEvery = Math.max(1, Math.floor(requests / 10));
  const started = performance.now();
  const worker = async () => {
    while (next < requests) {
      next += 1;
      const t0 = performance.now();
      try {
        const answer = await bus.request(
          HOLD_SUBJECT,
          {
            kind: 'primary',
            orderId: randomUUID(),
            userId: randomUUID(),
            matchNumber,
            category,
            quantity: options.quantity,
          },
          holdResponseSchema,
          30_000,
        );
        if (answer.held) {
          held += 1;
          lastHeldAt = performance.now();
        } else refused += 1;
      } catch {
        errors += 1;
      }
      latencies.push(performance.now() - t0);
      done += 1;
      if (requests >= 100 && done % progressEvery === 0) log(`  ${done}/${requests} answered`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, requests) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const fillSeconds = (lastHeldAt - started) / 1000;
  return {
    seconds,
    fillSeconds,
    held,
    refused,
    errors,
    latencies: latencies.sort((a, b) => a - b),
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  log(`options: ${JSON.stringify(options)}`);
  let setup: Setup;
  if (options.target) {
    setup = {
      databaseUrl: process.env.DATABASE_URL ?? localAdminDatabaseUrl(),
      natsUrl: process.env.NATS_URL ?? localNatsUrl(),
      namespace: process.env.EVENT_NAMESPACE ?? '',
      serviceEnv: {},
      teardown: [],
    };
    log(
      `targeting the running tickets service (NATS ${setup.natsUrl}, namespace "${setup.namespace}")`,
    );
  } else {
    setup = await startEverything(log);
  }

  const bus = await EventBus.connect({
    servers: setup.natsUrl,
    namespace: setup.namespace,
    service: 'bench',
    user: ADMIN_USER,
    credentialsDir: localCredentialsDir(),
    logger: createLogger('bench', { level: 'silent' }),
  });
  setup.teardown.push(() => bus.close());
  if (!options.target) {
    setup.teardown.push(async () => {
      const prefix = `${setup.namespace}_`.toUpperCase();
      for await (const name of bus.jsm.streams.names())
        if (name.startsWith(prefix)) await bus.jsm.streams.delete(name);
    });
  }
  const db = new Client({ connectionString: setup.databaseUrl, options: '-c search_path=tickets' });
  try {
    if (!options.target) await startBenchService(setup, log);
    // Targeting: the schema exists already. Fresh: wait for the service to create it.
    const deadline = Date.now() + 60_000;
    await db.connect();
    setup.teardown.push(() => db.end());
    while (!(await db.query("SELECT to_regclass('tickets.matches') AS t")).rows[0].t) {
      if (Date.now() > deadline) throw new Error('the tickets schema did not appear within 60 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    const matchNumber = options.target ? await freeMatchNumber(db) : 900;
    const loaded = await createHotCategory(bus, matchNumber, options.capacity);
    log(
      `hot category: match ${matchNumber} category 1, capacity ${options.capacity} (${JSON.stringify(loaded)})`,
    );

    log('warming up (200 holds on another category)…');
    await burst(bus, { ...options, quantity: 1, concurrency: 50 }, matchNumber, 2, 200);

    log(
      `firing ${options.requests} hold requests of ${options.quantity}, ${options.concurrency} in flight…`,
    );
    const result = await burst(bus, options, matchNumber, 1, options.requests);

    const { rows } = await db.query(
      `SELECT i.capacity, i.held, i.sold, i.partner_held, i.partner_sold,
              (SELECT count(*)::int FROM holds h WHERE h.match_number = i.match_number AND h.category = i.category) AS hold_rows,
              (SELECT coalesce(sum(quantity), 0)::int FROM holds h WHERE h.match_number = i.match_number AND h.category = i.category) AS hold_seats
       FROM inventory i WHERE i.match_number = $1 AND i.category = 1`,
      [matchNumber],
    );
    const row = rows[0];
    const taken = row.held + row.sold + row.partner_held + row.partner_sold;
    const oversell =
      Math.max(0, taken - row.capacity) +
      Math.max(0, result.held * options.quantity - row.capacity);
    const expectedHeld = Math.min(
      options.requests,
      Math.floor(options.capacity / options.quantity),
    );
    const l = result.latencies;
    const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

    log('results');
    log(
      `  answered ${options.requests} in ${result.seconds.toFixed(2)} s: ${(options.requests / result.seconds).toFixed(0)} hold decisions/s`,
    );
    log(
      `  held ${result.held} (expected ${expectedHeld}), refused ${result.refused}, errors ${result.errors}`,
    );
    log(
      `  the ${result.held} successful holds were all granted within ${result.fillSeconds.toFixed(2)} s: ${(result.held / result.fillSeconds).toFixed(0)} holds/s while seats lasted`,
    );
    log(
      `  latency p50 ${fmt(percentile(l, 50))}, p95 ${fmt(percentile(l, 95))}, p99 ${fmt(percentile(l, 99))}, max ${fmt(l.at(-1) ?? NaN)}`,
    );
    log(
      `  database: capacity ${row.capacity}, held ${row.held}, sold ${row.sold}, partners ${row.partner_held + row.partner_sold}; hold rows ${row.hold_rows} (${row.hold_seats} seats)`,
    );
    log(`  oversell: ${oversell}`);
    const consistent =
      oversell === 0 &&
      row.held === result.held * options.quantity &&
      row.hold_seats === row.held &&
      result.errors === 0;
    log(
      consistent ? '  counts consistent with the answers' : '  INCONSISTENT: see the figures above',
    );
    process.exitCode = consistent ? 0 : 1;
  } finally {
    log('tearing down what the benchmark started…');
    for (const step of setup.teardown.reverse())
      await step().catch((error) => log(`  teardown step failed: ${String(error)}`));
    log('done');
  }
}

main().catch((error) => {
  process.stderr.write(
    `[hold-burst] failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
