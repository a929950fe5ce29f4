import fs from 'node:fs';
import path from 'node:path';
import { startDaemon } from '../process/daemon';
import { dataDir } from '../paths';
import { renderNginxConfig, type NginxConfigInput } from '../gateway/nginx-config';
import type { RunningServer } from './server';

/** The local gateway: nginx with a config rendered from the routing table. */
export async function startGateway(
  input: NginxConfigInput,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningServer> {
  const prefix = dataDir('nginx', env);
  for (const dir of ['logs', 'run', 'tmp'])
    fs.mkdirSync(path.join(prefix, dir), { recursive: true });
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(conf, renderNginxConfig(input));
  const url = `http://localhost:${input.listenPort}`;
  const daemon = await startDaemon(
    {
      name: 'gateway',
      command: 'nginx',
      args: ['-p', `${prefix}/`, '-c', conf, '-g', 'daemon off;'],
      port: input.listenPort,
      ready: async () => (await fetch(`http://127.0.0.1:${input.listenPort}/healthz`)).ok,
    },
    env,
  );
  return { name: 'gateway', started: true, url, stop: daemon.stop };
}
