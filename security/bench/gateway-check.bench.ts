/**
 * Cost of the security check (not a test; run on demand):
 *
 *   npx tsx security/bench/gateway-check.bench.ts
 *
 * Starts the security service as its own process and tickets in this process, on a fresh
 * database and NATS namespace, and two nginx gateways rendered from the routing table: one
 * with the check, one without. Then:
 *  1. verdicts: GET /internal/check at a fixed arrival rate (BENCH_RATE checks/s, default
 *     2000, for BENCH_SECONDS, default 10), each from one of 5,000 client addresses, as
 *     nginx's subrequest sends it: latency as the gateway sees it (HTTP included).
 *     Also printed: the service's own view (its security_check_duration_seconds histogram),
 *     its CPU time per check (/proc/<pid>/stat) and its GC time.
 *  2. gateway: `GET /api/matches/1` alternately through both gateways (BENCH_REQUESTS each,
 *     default 2000, one at a time) in the same run, and the difference of the medians.
 * BENCH_CPU_PROFILE=<dir> writes a V8 CPU profile of the security process there.
 * Bounded in count and time; loopback only; cleans up after itself.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import http from 'node:http';
import { BROWSER, percentile } from '@ticketaka/common/testing';
import { freePort } from '../../infra/src/process/port';

const RATE = Number(process.env.BENCH_RATE ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;

/** GET over a keep-alive pool; resolves with the status once the body is read. */
function get(agent: http.Agent, url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** utime + stime of a process, in ms (Linux; USER_HZ is 100). */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A Prometheus histogram's cumulative buckets, by upper bound (seconds). */
function buckets(metrics: string, name: string): Map<number, number> {
  const found = new Map<number, number>();
  const line = new RegExp(`^${name}_bucket\\{le="([^"]+)"[^}]*\\} (\\d+)`, 'gm');
  for (const m of metrics.matchAll(line)) {
    const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
    found.set(le, (found.get(le) ?? 0) + Number(m[2]));
  }
  return found;
}

/** Upper bound of the bucket holding the p-th percentile of what was observed between two scrapes. */
function bucketPercentile(before: string, after: string, name: string, p: number): string {
  const start = buckets(before, name);
  const rows = [...buckets(after, name)]
    .map(([le, count]) => ({ le, count: count - (start.get(le) ?? 0) }))
    .sort((a, b) => a.le - b.le);
  const total = rows.at(-1)?.count ?? 0;
  const hit = rows.find((row) => row.count >= (total * p) / 100);
  if (!hit || total === 0) return 'n/a';
  return hit.le === Infinity ? 'beyond the last bucket' : `≤ ${hit.le * 1000} ms`;
}

const ms = (values: number[], p: number) =>
  `${percentile(
    [...values].sort((a, b) => a - b),
    p,
  ).toFixed(2)} ms`;

async function main() {
  const { ensureCoreServers, stopStarted } = await import('../../infra/src/servers/core-servers');
  const { startGateway } = await import('../../infra/src/servers/nginx-gateway.server');
  const { createTestEnvironment } = await import('@ticketaka/common/testing');
  const { startTicketsService } = await import('../../tickets/src/tickets-service');
  const servers = await ensureCoreServers();
  const env = await createTestEnvironment('security-bench');
  const homes: string[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const securityPort = await freePort();
    const child = spawn(
      process.execPath,
      [
        ...(CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROFILE)}`] : []),
        '--import',
        'tsx',
        path.join(__dirname, '..', 'src', 'main.ts'),
      ],
      {
        env: {
          ...process.env,
          ...env.env,
          LOG_LEVEL: 'warn',
          PORT: String(securityPort),
          // Limits far above the load, so every check does the full work and answers allow.
          RATE_BROWSE_PER_IP: '1000000',
          VELOCITY_PER_SECOND: '1000000',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    stops.push(async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    });
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${securityPort}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 300) throw new Error('security did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const tickets = await startTicketsService({ ...env.env, LOG_LEVEL: 'warn' });
    stops.push(() => tickets.close());

    const gateway = async (check: boolean) => {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-bench-'));
      homes.push(home);
      const listenPort = await freePort();
      const g = await startGateway(
        {
          listenPort,
          upstreams: {
            tickets: tickets.url.replace('http://', ''),
            security: `127.0.0.1:${securityPort}`,
          },
          securityCheckUpstream: check ? `127.0.0.1:${securityPort}` : undefined,
        },
        { ...process.env, TICKETAKA_HOME: home },
      );
      stops.push(() => g.stop());
      return `http://127.0.0.1:${listenPort}`;
    };
    const withCheck = await gateway(true);
    const withoutCheck = await gateway(false);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

    // 1. Verdicts at a fixed arrival rate (open loop: a slow answer does not slow the offered load).
    const checkUrl = `http://127.0.0.1:${securityPort}/internal/check?policy=browse`;
    const one = async (i: number) => {
      const started = performance.now();
      const client = i % 5000;
      const status = await get(agent, checkUrl, {
        ...BROWSER,
        'x-real-ip': `10.77.${client >> 8}.${client & 255}`,
        'x-original-method': 'GET',
        'x-original-uri': '/api/matches/1',
      });
      if (status !== 204) throw new Error(`check answered ${status}`);
      return performance.now() - started;
    };
    for (let i = 0; i < 500; i++) await one(i); // warm-up: connections, JIT, Redis scripts
    const metricsUrl = `http://127.0.0.1:${securityPort}/metrics`;
    const before = await (await fetch(metricsUrl)).text();
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    const total = RATE * SECONDS;
    const cpuBefore = cpuMs(child.pid ?? 0);
    const begin = performance.now();
    for (let i = 0; i < total; i++) {
      const due = begin + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(one(i).then((t) => void latencies.push(t)));
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - begin) / 1000;
    const cpuPerCheck = ((cpuMs(child.pid ?? 0) - cpuBefore) * 1000) / total;
    console.log(
      `verdicts: ${total} checks in ${elapsed.toFixed(1)} s = ${(total / elapsed).toFixed(0)}/s offered ${RATE}/s; ` +
        `p50 ${ms(latencies, 50)}, p95 ${ms(latencies, 95)}, p99 ${ms(latencies, 99)}, max ${ms(latencies, 100)}`,
    );
    const after = await (await fetch(metricsUrl)).text();
    const gc = (m: string) =>
      [...m.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*\} ([\d.e+-]+)/gm)].reduce(
        (sum, x) => sum + Number(x[1]),
        0,
      );
    const check = 'security_check_duration_seconds';
    console.log(
      `  inside security: p50 ${bucketPercentile(before, after, check, 50)}, p99 ${bucketPercentile(before, after, check, 99)} ` +
        `(histogram buckets); CPU ${cpuPerCheck.toFixed(0)} µs per check; ` +
        `GC ${((gc(after) - gc(before)) * 1000).toFixed(0)} ms during the run`,
    );

    // 2. The same read through both gateways, interleaved so both see the same machine state.
    const timed = async (base: string) => {
      const started = performance.now();
      const status = await get(agent, `${base}/api/matches/1`, BROWSER);
      if (status !== 200) throw new Error(`${base} answered ${status}`);
      return performance.now() - started;
    };
    for (let i = 0; i < 200; i++) {
      await timed(withCheck);
      await timed(withoutCheck);
    }
    const on: number[] = [];
    const off: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      on.push(await timed(withCheck));
      off.push(await timed(withoutCheck));
    }
    console.log(
      `GET /api/matches/1 with check:    p50 ${ms(on, 50)}, p95 ${ms(on, 95)}, p99 ${ms(on, 99)}`,
    );
    console.log(
      `GET /api/matches/1 without check: p50 ${ms(off, 50)}, p95 ${ms(off, 95)}, p99 ${ms(off, 99)}`,
    );
    console.log(
      `cost of the check at p50: ${(
        percentile(
          [...on].sort((a, b) => a - b),
          50,
        ) -
        percentile(
          [...off].sort((a, b) => a - b),
          50,
        )
      ).toFixed(2)} ms`,
    );
    agent.destroy();
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await env.cleanup();
    for (const home of homes) fs.rmSync(home, { recursive: true, force: true });
    await stopStarted(servers);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
