import { Redis } from 'ioredis';

/**
 * One Redis connection for the requests a service answers. Commands fail fast instead of
 * queueing while Redis is unreachable (no offline queue, a short command timeout), so a
 * caller that needs an answer can fail closed with a 503 rather than hang. Commands issued
 * in the same tick by concurrent requests go out in one write (auto-pipelining): in the
 * on-sale profile, security's socket writes to Redis (four per checked order) were the
 * largest cost of the check (docs/benchmarks.md).
 */
export async function connectRedis(url: string, options: { commandTimeoutMs?: number } = {}) {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Without a listener ioredis prints every reconnect failure; the callers report outages.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const where = new URL(url);
    throw new Error(
      `Redis at ${where.host} is not reachable or refused ${decodeURIComponent(where.username) || 'the connection'} (REDIS_URL): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return redis;
}

export type { Redis };
