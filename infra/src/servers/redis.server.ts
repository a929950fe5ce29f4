import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  localCredentialsDir,
  localPort,
  localRedisUrl,
} from '@ticketaka/common/src/config/local-defaults';
import { ADMIN_USER, redisUrlFor } from '@ticketaka/common/src/credentials/service-credentials';
import { connectRedis } from '@ticketaka/common/src/redis/redis-client';
import { startDaemon } from '../process/daemon';
import { isPortOpen } from '../process/port';
import { dataDir } from '../paths';
import { redisKeyRules } from '../security/redis-permissions';
import { ensureLocalCredentials, localCredential, localUsers } from './credentials';
import { reused, type RunningServer, type ServerDefinition } from './server';

/**
 * Redis's users: nobody without a password (`default` is off); `admin` may do anything;
 * every other user may run any command except the dangerous ones (CONFIG, FLUSHALL, KEYS,
 * DEBUG, MODULE, SHUTDOWN, …), INFO excepted, which Bull reads at start, and only on the
 * keys its service owns (redis-permissions.ts). `prefix`: see there.
 */
export function renderRedisUsers(
  env: NodeJS.ProcessEnv,
  users: string[] = localUsers(),
  extra: string[] = [],
  prefix = '*',
): string {
  const lines = ['user default off', ...extra];
  for (const user of users) {
    const secret = localCredential(env, user, 'redis');
    const rights =
      user === ADMIN_USER
        ? '~* +@all'
        : `${redisKeyRules(user, prefix).join(' ')} +@all -@dangerous +info`;
    // Only the password's SHA-256 is in the file.
    const hash = createHash('sha256').update(secret).digest('hex');
    lines.push(`user ${user} on #${hash} &* ${rights}`);
  }
  return `${lines.join('\n')}\n`;
}

async function answers(url: string): Promise<boolean> {
  try {
    const redis = await connectRedis(url);
    try {
      await redis.ping();
      return true;
    } finally {
      redis.disconnect();
    }
  } catch {
    return false;
  }
}

/** A reused Redis must demand a password and know this installation's admin; see nats.server.ts. */
async function checkReused(url: string, env: NodeJS.ProcessEnv, port: number) {
  if (await answers(url))
    throw new Error(
      `Redis on port ${port} answers without a password: it was started by code from before per-service Redis users. ` +
        'Stop it so it is started again with its users, or use another port (REDIS_PORT).',
    );
  if (!(await answers(redisUrlFor(url, localCredentialsDir(env), ADMIN_USER))))
    throw new Error(
      `Redis on port ${port} refuses this installation's admin (${localCredentialsDir(env)}): it belongs to another TICKETAKA_HOME. ` +
        'Use that home, stop that server, or use another port (REDIS_PORT).',
    );
}

export const redisServer: ServerDefinition = {
  name: 'redis',
  async ensure(env = process.env): Promise<RunningServer> {
    const port = localPort('REDIS_PORT', env);
    const url = localRedisUrl(env);
    ensureLocalCredentials(env);
    if (await isPortOpen(port)) {
      await checkReused(url, env, port);
      return reused('redis', url);
    }
    const dir = dataDir('redis', env);
    fs.mkdirSync(dir, { recursive: true });
    const aclFile = path.join(dir, 'users.acl');
    fs.writeFileSync(aclFile, renderRedisUsers(env), { mode: 0o600 });
    fs.chmodSync(aclFile, 0o600);
    const daemon = await startDaemon(
      {
        name: 'redis',
        command: 'redis-server',
        args: [
          '--bind',
          '127.0.0.1',
          '--port',
          String(port),
          '--dir',
          dir,
          '--aclfile',
          aclFile,
          // Delayed expiration jobs must survive a Redis restart in local runs.
          '--appendonly',
          'yes',
          '--save',
          '',
          // Loopback only and every user has a password: protected mode adds nothing.
          '--protected-mode',
          'no',
        ],
        ready: () => isPortOpen(port),
      },
      env,
    );
    return { name: 'redis', started: true, url, pid: daemon.pid, stop: daemon.stop };
  },
};
