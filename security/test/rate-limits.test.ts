import { connectRedis, redisUrlFor } from '@ticketaka/common';
import type Redis from 'ioredis';
import { createTestEnvironment, type TestEnvironment } from '@ticketaka/common/testing';
import { Limit, takeTogether } from '../src/domain/rate-limits';

let env: TestEnvironment;
let redis: Redis;

beforeAll(async () => {
  env = await createTestEnvironment('security-rate-limits');
  // Security's own Redis user, as the service connects.
  redis = await connectRedis(
    redisUrlFor(String(env.env.REDIS_URL), String(env.env.CREDENTIALS_DIR), 'security'),
  );
});
afterAll(async () => {
  await redis?.quit();
  await env.cleanup();
});

const prefix = () => `${env.env.REDIS_PREFIX}:security`;

test('when several counters are taken together, then each is counted once, answered in order, and over-limit ones carry their headers', async () => {
  const small = new Limit(redis, prefix(), 'together-small', 2, 60);
  const large = new Limit(redis, prefix(), 'together-large', 100, 60);
  const answers = [];
  for (let i = 0; i < 3; i++)
    answers.push(
      await takeTogether([
        [small, 'k'],
        [large, 'k'],
      ]),
    );
  expect(answers.map(([s, l]) => [s?.limiter, l])).toEqual([
    [undefined, undefined],
    [undefined, undefined],
    ['together-small', undefined],
  ]);
  expect(answers[2]?.[0]).toMatchObject({
    policyHeader: '"together-small";q=2;w=60',
    limitHeader: expect.stringMatching(/^"together-small";r=0;t=(59|60)$/),
  });
  // rate-limiter-flexible reads the very counters the script wrote.
  expect(await small.used('k')).toBe(3);
  expect(await large.used('k')).toBe(3);
  const ttl = await redis.pttl(small.redisKey('k'));
  expect(ttl).toBeGreaterThan(55_000);
  expect(ttl).toBeLessThanOrEqual(60_000);
});

test('when a key is over its limit, then it is refused from memory without touching Redis until reset', async () => {
  const limit = new Limit(redis, prefix(), 'memory', 1, 60);
  expect(await limit.take('flood')).toBeUndefined();
  expect(await limit.take('flood')).toMatchObject({ limiter: 'memory' });
  const counted = await limit.used('flood');
  for (let i = 0; i < 5; i++)
    expect(await limit.take('flood')).toMatchObject({ limiter: 'memory' });
  expect(await limit.used('flood')).toBe(counted);
  await limit.reset('flood');
  expect(await limit.take('flood')).toBeUndefined();
});

test('when a window ends, then the key starts again from zero', async () => {
  const limit = new Limit(redis, prefix(), 'window', 1, 1);
  expect(await limit.take('w')).toBeUndefined();
  expect(await limit.take('w')).toMatchObject({ retryAfterSeconds: 1 });
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect(await limit.take('w')).toBeUndefined();
});

test('when Redis refuses, then the error is thrown, never read as allowed', async () => {
  const broken = await connectRedis(
    redisUrlFor(String(env.env.REDIS_URL), String(env.env.CREDENTIALS_DIR), 'security'),
  );
  const limit = new Limit(broken, prefix(), 'broken', 10, 60);
  broken.disconnect();
  await expect(limit.take('x')).rejects.toThrow();
});
