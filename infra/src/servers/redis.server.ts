import fs from 'node:fs';
import { localPort, localRedisUrl } from '@ticketaka/common/src/config/local-defaults';
import { startDaemon } from '../process/daemon';
import { isPortOpen } from '../process/port';
import { dataDir } from '../paths';
import { reused, type RunningServer, type ServerDefinition } from './server';

export const redisServer: ServerDefinition = {
  name: 'redis',
  async ensure(env = process.env): Promise<RunningServer> {
    const port = localPort('REDIS_PORT', env);
    const url = localRedisUrl(env);
    if (await isPortOpen(port)) return reused('redis', url);
    const dir = dataDir('redis', env);
    fs.mkdirSync(dir, { recursive: true });
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
          // Delayed expiration jobs must survive a Redis restart in local runs.
          '--appendonly',
          'yes',
          '--save',
          '',
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
