import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  call,
  createTestEnvironment,
  eventually,
  newFan,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { localCredentialsDir } from '@ticketaka/common';
import { redisServer } from '../../infra/src/servers/redis.server';
import type { RunningServer } from '../../infra/src/servers/server';
import { startTicketsService } from '../../tickets/src/tickets-service';

/**
 * Revocations live in Redis, so a service that cannot reach it cannot tell a signed-out
 * token from a live one. It must refuse (503) rather than accept, and recover by itself.
 * A Redis of this test's own (never the shared one), stopped and started again.
 */
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-redis-outage-'));
// Its users are the run's (the services started below read the run's credentials).
const redisEnv = {
  ...process.env,
  TICKETAKA_HOME: home,
  CREDENTIALS_DIR: localCredentialsDir(),
  REDIS_PORT: '26779',
};
let redis: RunningServer;
let env: TestEnvironment;
let tickets: Awaited<ReturnType<typeof startTicketsService>>;

beforeAll(async () => {
  redis = await redisServer.ensure(redisEnv);
  env = await createTestEnvironment('session-store-outage');
  tickets = await startTicketsService({ ...env.env, REDIS_URL: redis.url });
});
afterAll(async () => {
  await tickets?.close();
  await redis?.stop?.();
  await env?.cleanup();
  fs.rmSync(home, { recursive: true, force: true });
});

test('when Redis is unreachable, then routes that need a user answer 503 session_store_unavailable, public routes still serve, and tokens work again once Redis is back', async () => {
  const fan = newFan(env);
  expect((await call(tickets.url, 'GET', '/api/tickets/mine', { token: fan.token })).status).toBe(
    200,
  );

  await redis.stop?.();
  const refused = await call(tickets.url, 'GET', '/api/tickets/mine', { token: fan.token });
  expect(refused.status).toBe(503);
  expect(refused.body.errors[0].code).toBe('session_store_unavailable');
  const visitor = await call(tickets.url, 'GET', '/api/matches/1', { token: fan.token });
  expect(visitor.status).toBe(200);

  redis = await redisServer.ensure(redisEnv);
  await eventually(
    async () =>
      expect(
        (await call(tickets.url, 'GET', '/api/tickets/mine', { token: fan.token })).status,
      ).toBe(200),
    15_000,
  );
});
