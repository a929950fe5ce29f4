/**
 * What the per-request token check costs every service (not a test; run on demand):
 *
 *   npx tsx auth/bench/token-check.bench.ts
 *
 * The verifier every service builds (common/src/auth): ES256 signature and claims, then one
 * Redis MGET for revocations, against the real local Redis. Measured alone (the signature
 * check without Redis) and whole, one at a time and with BENCH_CONCURRENCY checks in flight,
 * so the Redis share of the check can be read off.
 */
import { createPublicKey, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import jwt from 'jsonwebtoken';
import {
  connectRedis,
  createTokenVerifier,
  localRedisUrl,
  SessionRevocations,
  TOKEN_ALGORITHM,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
} from '@ticketaka/common';
import { createTestEnvironment, percentile } from '@ticketaka/common/testing';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (p: number) => percentile(sorted, p).toFixed(3);
  return `p50 ${f(50)} ms, p99 ${f(99)} ms, max ${sorted.at(-1)?.toFixed(3)} ms`;
};

async function timed(n: number, inFlight: number, check: () => Promise<unknown> | unknown) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < n) {
        const t = performance.now();
        await check();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return `${summary(latencies)}, ${(n / seconds).toFixed(0)} checks/s`;
}

async function main() {
  const { ensureCoreServers, stopStarted } = await import('../../infra/src/servers/core-servers');
  const servers = await ensureCoreServers();
  const env = await createTestEnvironment('token-check-bench');
  const redis = await connectRedis(localRedisUrl());
  try {
    const verifier = createTokenVerifier(
      env.keys.publicKey,
      new SessionRevocations(redis, env.namespace),
    );
    const token = env.tokenFor({
      id: randomUUID(),
      email: 'fan@example.com',
      displayName: 'Fan',
      country: 'AR',
      role: 'fan',
    });
    const key = createPublicKey(env.keys.publicKey);
    const signatureOnly = () =>
      jwt.verify(token, key, {
        algorithms: [TOKEN_ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
      });
    for (let i = 0; i < 500; i++) await verifier.verify(token); // warm-up

    console.log(`checks: ${CHECKS}; in flight for the concurrent runs: ${CONCURRENCY}`);
    console.log(`signature only, one at a time:      ${await timed(CHECKS, 1, signatureOnly)}`);
    console.log(
      `signature + Redis, one at a time:   ${await timed(CHECKS, 1, () => verifier.verify(token))}`,
    );
    console.log(
      `signature + Redis, ${CONCURRENCY} in flight:    ${await timed(CHECKS, CONCURRENCY, () => verifier.verify(token))}`,
    );
  } finally {
    redis.disconnect();
    await env.cleanup();
    await stopStarted(servers);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
