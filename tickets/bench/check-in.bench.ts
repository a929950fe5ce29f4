/**
 * Gate check-in benchmark for the tickets service (not a test; run on demand):
 *
 *   npx tsx tickets/bench/check-in.bench.ts [--rate 500] [--seconds 20] [--rescans 10]
 *     [--connections 32] [--port 4902] [--direct]
 *
 * A stadium gate bank at kick-off: `rate` scans per second for `seconds`, open loop (each
 * scan leaves at its scheduled moment whether or not earlier ones were answered, and its
 * latency counts from that moment, so a slow server cannot hide its queue), over HTTP with
 * keep-alive to POST /api/check-in, each scan a different ticket's live code, plus `rescans`
 * percent of scans repeating an admitted code (refused: already admitted). Prints latency
 * percentiles for admissions and refusals, and checks in PostgreSQL that every ticket was
 * admitted exactly once.
 *
 * By default every scan goes the way a gate's does: through the nginx gateway rendered from
 * the routing table, whose security check (the security service, its own process) answers
 * first. `--direct` sends the scans straight to the tickets service, to separate the two
 * costs.
 *
 * It starts what it needs and tears it down afterwards: PostgreSQL and NATS (reused if up),
 * a fresh database, namespace and Redis prefix, the tickets service as a child process on
 * `port`, and for the gateway run the security service and nginx on free ports.
 */
import { generateKeyPairSync, randomUUID, createPrivateKey, createPublicKey } from 'node:crypto';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@ticketaka/common';
import { percentile } from '@ticketaka/common/testing';
import { keyIdOf, signCode, stepAt } from '../src/domain/ticket-code';
import { startBenchService, startEverything } from './bench-setup';
import { freePort } from '../../infra/src/process/port';
import { BROWSER } from '@ticketaka/common/testing';

interface Options {
  connections: number;
  rate: number;
  seconds: number;
  rescans: number;
  port: number;
  direct: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    connections: 32,
    rate: 500,
    seconds: 20,
    rescans: 10,
    port: 4902,
    direct: false,
  };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--direct') {
      options.direct = true;
      i -= 1;
      continue;
    }
    const key = (argv[i] as string).replace(/^--/, '') as Exclude<keyof Options, 'direct'>;
    const value = Number(argv[i + 1]);
    if (!(key in options) || key === ('direct' as string) || !Number.isInteger(value) || value < 0)
      throw new Error(
        `unknown or invalid option ${argv[i]} ${argv[i + 1] ?? ''} (see the header of this file)`,
      );
    options[key] = value;
  }
  // Codes are signed up front; a live code is good for its step and the next one.
  if (options.seconds > 25) throw new Error('--seconds is at most 25 (one batch of live codes)');
  return options;
}

const log = (message: string) => process.stdout.write(`[check-in] ${message}\n`);
const STEP_SECONDS = 30;
const MATCH = 1;
/** Tickets admitted before the measured run: connections, JIT and PostgreSQL's caches are warm. */
const WARM_UP = 200;

/**
 * The security service's explicit load-test allowance (off unless configured; see
 * docs/configuration.md): this one loopback source skips the per-address rules (velocity,
 * per-route limits), which a gate bank behind one address would otherwise trip within a
 * second. The check itself still runs in full for every scan: blocklist, bot signals, the
 * token, the gateway's timeout and fail mode.
 */
const LOAD_TEST_ALLOWANCE = { SECURITY_LOAD_TEST_SOURCES: '127.0.0.1' };

/** A gate is a browser (the steward page) or a device that says who it is; the security check reads these. */
const GATE_HEADERS = BROWSER;

/**
 * The security service and an nginx gateway in front of tickets, as `npm start` runs them.
 * Returns the gateway's URL and the security service's own (for its metrics).
 */
async function startGatewayPath(
  setup: Awaited<ReturnType<typeof startEverything>>,
  ticketsPort: number,
  sessionPublicKey: string,
) {
  const { startGateway } = await import('@ticketaka/infra/src/servers/nginx-gateway.server');
  const securityPort = await freePort();
  const security = await startBenchService(
    setup,
    log,
    { PORT: String(securityPort), JWT_PUBLIC_KEY: sessionPublicKey, ...LOAD_TEST_ALLOWANCE },
    'security',
  );
  const securityUrl = security.url;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-check-in-bench-'));
  const listenPort = await freePort();
  const gateway = await startGateway(
    {
      listenPort,
      upstreams: { tickets: `127.0.0.1:${ticketsPort}`, security: `127.0.0.1:${securityPort}` },
      securityCheckUpstream: `127.0.0.1:${securityPort}`,
    },
    { ...process.env, TICKETAKA_HOME: home },
  );
  setup.teardown.push(async () => {
    await gateway.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });
  log(`gateway on :${listenPort}, security check on :${securityPort}`);
  return { url: `http://127.0.0.1:${listenPort}`, securityUrl };
}

/**
 * The service's own view of the run, from its Prometheus endpoint: CPU seconds and GC time
 * are counters (subtract two reads); the event-loop delay histogram restarts at every read,
 * so the read after the run covers exactly the run.
 */
async function serviceMetrics(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
  };
  const gcSeconds = text
    .split('\n')
    .filter((l) => l.startsWith('nodejs_gc_duration_seconds_sum'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return {
    cpuSeconds: value('process_cpu_seconds_total'),
    gcSeconds,
    lagP99: value('nodejs_eventloop_lag_p99_seconds'),
    lagMax: value('nodejs_eventloop_lag_max_seconds'),
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const setup = await startEverything(log);
  try {
    const codeKey = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const sessionKey = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const url = `http://127.0.0.1:${options.port}`;
    await startBenchService(setup, log, {
      PORT: String(options.port),
      TICKET_CODE_PRIVATE_KEY: codeKey.privateKey,
      JWT_PUBLIC_KEY: sessionKey.publicKey,
    });
    const via = options.direct
      ? { url, securityUrl: undefined }
      : await startGatewayPath(setup, options.port, sessionKey.publicKey);
    log(
      options.direct ? 'scans go straight to tickets (--direct)' : `scans go through the gateway`,
    );

    const total = options.rate * options.seconds;
    const unique = Math.ceil(total / (1 + options.rescans / 100));
    const db = new Client({
      connectionString: setup.databaseUrl,
      options: '-c search_path=tickets',
    });
    await db.connect();
    log(`issuing ${unique} tickets for match ${MATCH}…`);
    const { rows } = await db.query<{ id: string; owner_id: string; category: number }>(
      `INSERT INTO tickets (id, owner_id, order_id, seat_index, match_number, category, face_price_cents, currency)
       SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 1, $1, 1 + (n % 3), 7500, 'USD'
         FROM generate_series(1, $2) AS n RETURNING id, owner_id, category`,
      [MATCH, unique + WARM_UP],
    );
    const privateKey = createPrivateKey(codeKey.privateKey);
    const publicKey = createPublicKey(codeKey.publicKey);
    const signing = { keyId: keyIdOf(publicKey), privateKey, publicKey };
    const step = stepAt(Date.now(), STEP_SECONDS);
    const codes = rows.map((t) =>
      signCode(signing, {
        ticketId: t.id,
        matchNumber: MATCH,
        category: t.category,
        holderId: t.owner_id,
        version: 1,
        step,
      }),
    );
    const steward = jwt.sign(
      {
        email: 'gate@example.com',
        name: 'Gate',
        country: 'QA',
        role: 'steward',
        sid: randomUUID(),
        ver: 1,
      },
      sessionKey.privateKey,
      {
        algorithm: TOKEN_ALGORITHM,
        subject: randomUUID(),
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        expiresIn: 600,
      },
    );

    // Every code once, in order, with a rescan of an earlier (admitted) code every so often.
    const warmUp = codes.splice(unique);
    const every = options.rescans > 0 ? Math.round(100 / options.rescans) : Infinity;
    const plan: { code: string; rescan: boolean }[] = [];
    codes.forEach((code, i) => {
      plan.push({ code, rescan: false });
      if (i > 50 && i % every === 0)
        plan.push({ code: codes[Math.floor(i / 2)] as string, rescan: true });
    });

    // A bounded pool of kept-alive connections, as a gate bank's concentrators would hold.
    const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
    const scan = (code: string, gate: number) =>
      new Promise<{ status: number; body: { errors?: { code: string }[] } }>((resolve, reject) => {
        const payload = JSON.stringify({ code, matchNumber: MATCH, gate: String(gate) });
        const req = http.request(
          `${via.url}/api/check-in`,
          {
            method: 'POST',
            agent,
            headers: {
              ...GATE_HEADERS,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
              authorization: `Bearer ${steward}`,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: JSON.parse(Buffer.concat(chunks).toString() || '{}'),
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(payload);
      });

    // Warm-up: connections, JIT, prepared paths (these tickets are not part of the run).
    log('warming up…');
    for (let i = 0; i < warmUp.length; i += 20)
      await Promise.all(warmUp.slice(i, i + 20).map((code, j) => scan(code, j + 1)));

    const before = await serviceMetrics(url);
    const securityBefore = via.securityUrl ? await serviceMetrics(via.securityUrl) : undefined;
    log(
      `scanning: ${plan.length} scans at ${options.rate}/s (${plan.filter((p) => p.rescan).length} rescans)…`,
    );
    const admit: number[] = [];
    const refuse: number[] = [];
    const outcomes = new Map<string, number>();
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    await new Promise<void>((resolve) => {
      let sent = 0;
      const tick = () => {
        const due = Math.min(
          plan.length,
          Math.floor(((performance.now() - started) / 1000) * options.rate),
        );
        for (; sent < due; sent++) {
          const scheduledAt = started + (sent / options.rate) * 1000;
          const { code, rescan } = plan[sent] as { code: string; rescan: boolean };
          inFlight.push(
            scan(code, (sent % 24) + 1).then(
              ({ status, body }) => {
                const latency = performance.now() - scheduledAt;
                const outcome = status === 200 ? 'admitted' : `${status} ${body.errors?.[0]?.code}`;
                outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
                (rescan ? refuse : admit).push(latency);
              },
              (error: Error) => {
                outcomes.set(
                  `error ${error.message}`,
                  (outcomes.get(`error ${error.message}`) ?? 0) + 1,
                );
              },
            ),
          );
        }
        if (sent >= plan.length) resolve();
        else setTimeout(tick, 2);
      };
      tick();
    });
    await Promise.all(inFlight);
    const elapsed = (performance.now() - started) / 1000;
    const after = await serviceMetrics(url);
    const securityAfter = via.securityUrl ? await serviceMetrics(via.securityUrl) : undefined;

    // Only the measured run's tickets: the warm-up admitted its own WARM_UP tickets first.
    const measured = rows.slice(0, unique).map((t) => t.id);
    const admitted = await db.query<{ admitted: number; events: number; doubles: number }>(
      `SELECT count(*) FILTER (WHERE t.status = 'checked_in')::int AS admitted,
              coalesce(sum(e.n), 0)::int AS events,
              count(*) FILTER (WHERE e.n > 1)::int AS doubles
         FROM tickets t
         LEFT JOIN (SELECT (payload->'data'->>'id')::uuid AS id, count(*) AS n FROM outbox
                     WHERE type = 'tickets.ticket.status-changed' GROUP BY 1) e ON e.id = t.id
        WHERE t.id = ANY($1::uuid[])`,
      [measured],
    );
    await db.end();
    agent.destroy();

    admit.sort((x, y) => x - y);
    refuse.sort((x, y) => x - y);
    const fmt = (xs: number[]) =>
      xs.length === 0
        ? 'none'
        : `p50 ${percentile(xs, 50).toFixed(1)} ms, p95 ${percentile(xs, 95).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, max ${(xs[xs.length - 1] as number).toFixed(1)} ms`;
    log(`done in ${elapsed.toFixed(1)} s: ${(plan.length / elapsed).toFixed(0)} scans/s offered`);
    log(`outcomes: ${[...outcomes].map(([k, v]) => `${k} ×${v}`).join(', ')}`);
    log(`admissions (verify + admit): ${fmt(admit)}`);
    log(`rescans refused as already admitted: ${fmt(refuse)}`);
    const counts = admitted.rows[0] as { admitted: number; events: number; doubles: number };
    log(
      `tickets of the measured run checked in: ${counts.admitted} of ${unique} (plus ${WARM_UP} warm-up); their check-in events: ${counts.events}`,
    );
    log(`double admissions (a ticket with more than one check-in event): ${counts.doubles}`);
    const cpu = after.cpuSeconds - before.cpuSeconds;
    log(
      `tickets process: ${((cpu * 1000) / plan.length).toFixed(2)} ms CPU per scan (${((cpu / elapsed) * 100).toFixed(0)} % of a core), ` +
        `GC ${((after.gcSeconds - before.gcSeconds) * 1000).toFixed(0)} ms in all, event-loop delay p99 ${(after.lagP99 * 1000).toFixed(1)} ms, max ${(after.lagMax * 1000).toFixed(1)} ms`,
    );
    if (securityBefore && securityAfter) {
      const securityCpu = securityAfter.cpuSeconds - securityBefore.cpuSeconds;
      log(
        `security process: ${((securityCpu * 1000) / plan.length).toFixed(2)} ms CPU per scan (${((securityCpu / elapsed) * 100).toFixed(0)} % of a core), event-loop delay p99 ${(securityAfter.lagP99 * 1000).toFixed(1)} ms`,
      );
    }
    const p99 = percentile(admit, 99);
    log(`verdict: p99 ${p99.toFixed(1)} ms ${p99 <= 20 ? '≤' : '>'} 20 ms target`);
  } finally {
    for (const step of setup.teardown.reverse()) await step().catch(() => undefined);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
