import fs from 'node:fs';
import path from 'node:path';
import { startDaemon } from '../process/daemon';
import { dataDir } from '../paths';
import { renderNginxConfig, type NginxConfigInput } from '../gateway/nginx-config';
import type { RunningServer } from './server';
import {
  prepareUnprivilegedDir,
  reachableByNobody,
  runningAsRoot,
  unprivilegedDataDir,
} from './unprivileged-access';

/** The local gateway: nginx with a config rendered from the routing table. */
export async function startGateway(
  input: NginxConfigInput,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningServer> {
  const prefix = dataDir('nginx', env);
  for (const dir of ['logs', 'run', 'tmp'])
    fs.mkdirSync(path.join(prefix, dir), { recursive: true });
  const conf = path.join(prefix, 'nginx.conf');
  // Workers run as nobody when we are root: their buffers must be somewhere nobody can write.
  let tempDir: string | undefined;
  if (runningAsRoot()) {
    tempDir = reachableByNobody(prefix)
      ? path.join(prefix, 'tmp')
      : path.join(unprivilegedDataDir('nginx', env), 'tmp');
    prepareUnprivilegedDir(tempDir);
  }
  fs.writeFileSync(conf, renderNginxConfig({ ...input, tempDir }));
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
