import { natsServer } from './nats.server';
import { postgresServer } from './postgres.server';
import { redisServer } from './redis.server';
import type { RunningServer } from './server';

/** What every service needs: PostgreSQL, NATS JetStream and Redis, started or reused. */
export const coreServers = [postgresServer, natsServer, redisServer];

export async function ensureCoreServers(env?: NodeJS.ProcessEnv): Promise<RunningServer[]> {
  return Promise.all(coreServers.map((server) => server.ensure(env)));
}

/** Stops only those a caller started itself; reused servers belong to someone else. */
export async function stopStarted(servers: RunningServer[]): Promise<void> {
  await Promise.all(servers.filter((s) => s.started).map((s) => s.stop()));
}
