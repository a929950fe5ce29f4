import { localNatsUrl, localPort } from '@ticketaka/common/src/config/local-defaults';
import { startDaemon } from '../process/daemon';
import { isPortOpen } from '../process/port';
import { dataDir } from '../paths';
import { reused, type RunningServer, type ServerDefinition } from './server';

async function jetStreamReady(monitorPort: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`);
  return response.ok;
}

export const natsServer: ServerDefinition = {
  name: 'nats',
  async ensure(env = process.env): Promise<RunningServer> {
    const port = localPort('NATS_PORT', env);
    const monitorPort = localPort('NATS_MONITOR_PORT', env);
    const url = localNatsUrl(env);
    if (await isPortOpen(port)) return reused('nats', url);
    const daemon = await startDaemon(
      {
        name: 'nats',
        command: 'nats-server',
        args: [
          '-js',
          '-a',
          '127.0.0.1',
          '-p',
          String(port),
          '-m',
          String(monitorPort),
          '-sd',
          dataDir('nats', env),
          '--server_name',
          'ticketaka-local',
        ],
        ready: async () => (await isPortOpen(port)) && jetStreamReady(monitorPort),
      },
      env,
    );
    return { name: 'nats', started: true, url, pid: daemon.pid, stop: daemon.stop };
  },
};
