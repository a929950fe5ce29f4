import Redis from 'ioredis';
import type { Logger } from 'pino';

/**
 * One Redis connection per replica for counters and single-use marks. Commands fail fast
 * while Redis is away (no offline queue), so a check answers an error the gateway's fail
 * policy handles instead of hanging past its timeout.
 */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    lazyConnect: true,
  });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  await redis.connect();
  return redis;
}
