// Browsing through the gateway: GET /api/matches and GET /api/matches/:n at 50 connections
// (autocannon), as a browser asks (browser User-Agent, Accept-Language, Accept-Encoding gzip).
//
// Against a running platform (`npm start`; its gateway has the security check in front of
// every /api request, as fans meet it), and in the same run through a second nginx rendered
// from the same routing table *without* the check and pointed at the same services, so the
// check's share of the cost is measured rather than guessed.
//
//   npx tsx tickets/bench/browse.bench.ts         # BENCH_SECONDS (10), BENCH_CONNECTIONS (50)
//   (the platform's ports come from the same environment as `npm start`: GATEWAY_PORT, TICKETS_PORT, …)
//
// From loopback every request is one client address: give security the load-test allowance
// (SECURITY_LOAD_TEST_SOURCES=127.0.0.1 in `npm start`'s environment) or it rate-limits the run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { startGateway } from '../../infra/src/servers/nginx-gateway.server';
import { servicePort, serviceDefinitions } from '../../infra/src/services';
import { freePort } from '../../infra/src/process/port';
import { BROWSER } from '@ticketaka/common/testing';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const gatewayPort = Number(process.env.GATEWAY_PORT ?? 8080);
const paths = (process.env.BENCH_PATHS ?? '/api/matches,/api/matches/17').split(',');

/** A browser's headers, asking for the compressed catalogue as browsers do. */
const BROWSER_GZIP = { ...BROWSER, 'accept-encoding': 'gzip, deflate, br' };

const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function run(label: string, url: string) {
  await autocannon({ url, connections: 10, duration: 2, headers: BROWSER_GZIP });
  const result = await autocannon({ url, connections, duration: seconds, headers: BROWSER_GZIP });
  const bad = result.non2xx + result.errors + result.timeouts;
  console.log(
    `${label.padEnd(34)} ${result.requests.average.toFixed(0).padStart(6)} req/s   ` +
      `p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   ` +
      `${result.requests.total} requests, ${bad} not 2xx/errors, ` +
      `${(result.throughput.average / 1024).toFixed(0)} kB/s`,
  );
  return { reqPerSec: result.requests.average, p99: result.latency.p99, bad };
}

async function main() {
  const upstreams = Object.fromEntries(
    serviceDefinitions.map((s) => [s.name, `127.0.0.1:${servicePort(s, process.env)}`]),
  );
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-browse-bench-'));
  const plainPort = await freePort();
  const plain = await startGateway(
    { listenPort: plainPort, upstreams },
    { ...process.env, TICKETAKA_HOME: home },
  );
  try {
    const shipped = `http://127.0.0.1:${gatewayPort}`;
    const probe = await fetch(`${shipped}${paths[0]}`, { headers: BROWSER_GZIP });
    if (!probe.ok) throw new Error(`the gateway answered ${probe.status} for ${paths[0]}`);
    console.log(
      `autocannon, ${connections} connections, ${seconds} s per run after a 2 s warm-up; load ${load()}`,
    );
    for (const p of paths) {
      await run(`${p} (gateway with the check)`, `${shipped}${p}`);
      await run(`${p} (same nginx, no check)`, `http://127.0.0.1:${plainPort}${p}`);
    }
    console.log(`load ${load()}`);
  } finally {
    await plain.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
