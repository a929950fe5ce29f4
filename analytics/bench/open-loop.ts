import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from '@ticketaka/common/testing';

export interface LoadResult {
  label: string;
  offered: number;
  achieved: number;
  requests: number;
  /** Answers other than 200, and requests that never got one (refused, reset). */
  errors: number;
  statuses: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** One GET over a keep-alive pool; resolves with the status once the body is read. */
export function get(
  agent: http.Agent,
  url: string,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/**
 * Fires requests at a fixed arrival rate for `seconds` (open loop: a slow answer does not
 * slow the offered load, so queueing shows up in the latencies instead of hiding).
 * `request(i)` gives the i-th request's URL and headers.
 */
export async function openLoop(
  label: string,
  agent: http.Agent,
  rate: number,
  seconds: number,
  request: (i: number) => { url: string; headers: Record<string, string> },
): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  const total = Math.round(rate * seconds);
  const begin = performance.now();
  for (let i = 0; i < total; i++) {
    const due = begin + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const { url, headers } = request(i);
    const started = performance.now();
    pending.push(
      get(agent, url, headers).then(
        (status) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          latencies.push(performance.now() - started);
        },
        (error: Error) => {
          statuses[error.message] = (statuses[error.message] ?? 0) + 1;
          latencies.push(performance.now() - started);
        },
      ),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - begin) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    label,
    offered: rate,
    achieved: total / elapsed,
    requests: total,
    errors: total - (statuses['200'] ?? 0),
    statuses,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
  };
}

export function describeResult(r: LoadResult): string {
  const f = (n: number) => n.toFixed(1);
  return (
    `${r.label}: ${r.requests} requests offered at ${r.offered} req/s (achieved ${r.achieved.toFixed(0)}), ` +
    `errors ${r.errors} ${JSON.stringify(r.statuses)}, p50 ${f(r.p50)} ms, p95 ${f(r.p95)} ms, ` +
    `p99 ${f(r.p99)} ms, max ${f(r.max)} ms`
  );
}
