// Server-rendered pages through the gateway at 50 connections (autocannon).
// Run against a running platform: `npm run bench -w client` (BENCH_URL, default http://localhost:8080).
import autocannon from 'autocannon';
import { BROWSER } from '../../common/src/testing/browser';

const base = process.env.BENCH_URL ?? 'http://localhost:8080';
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
/** An anonymous visitor's browser (no cookie: the shared page, see client/server/anonymous-page.js). */
const headers = { ...BROWSER, 'accept-encoding': 'gzip, deflate, br', accept: 'text/html' };

async function run(path: string) {
  // Warm the route (and the catalogue cache) first, so the figure is the steady state.
  await autocannon({ url: `${base}${path}`, connections: 10, duration: 3, headers });
  const result = await autocannon({
    url: `${base}${path}`,
    connections: 50,
    duration: seconds,
    headers,
  });
  const non2xx = result.non2xx + result.errors + result.timeouts;
  console.log(
    `${path.padEnd(14)} ${result.requests.average.toFixed(0).padStart(6)} req/s   ` +
      `p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   ` +
      `${result.requests.total} requests, ${non2xx} not 2xx/errors`,
  );
}

async function main() {
  console.log(`autocannon, 50 connections, ${seconds} s per page, ${base}`);
  await run('/');
  for (const n of [1, 17, 64]) await run(`/matches/${n}`);
}

void main();
