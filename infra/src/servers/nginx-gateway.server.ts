import fs from 'node:fs';
import { isIP } from 'node:net';
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
import { replicaPorts, type ServiceDefinition } from '../services';

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
  return { name: 'gateway', started: true, url, pid: daemon.pid, stop: daemon.stop };
}

/**
 * The gateway's security settings in a local run. The check is on whenever the security
 * service runs. GATEWAY_TRUSTED_PROXIES (comma-separated addresses or CIDRs, empty by
 * default) is the only way X-Forwarded-For is ever believed; the attack benchmark sets it
 * to loopback from its own config file to simulate many client addresses.
 */
export function gatewaySecurityOptions(services: ServiceDefinition[], env: NodeJS.ProcessEnv) {
  const security = services.find((s) => s.name === 'security');
  const trustedProxies = (env.GATEWAY_TRUSTED_PROXIES ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const proxy of trustedProxies) {
    const [address = '', prefix, ...rest] = proxy.split('/');
    const max = isIP(address) === 4 ? 32 : 128;
    const valid =
      isIP(address) !== 0 &&
      rest.length === 0 &&
      (prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= max));
    if (!valid) throw new Error(`GATEWAY_TRUSTED_PROXIES: "${proxy}" is not an address or CIDR`);
  }
  const timeout = env.GATEWAY_CHECK_TIMEOUT_MS;
  if (timeout !== undefined && !/^\d{1,5}$/.test(timeout))
    throw new Error(`GATEWAY_CHECK_TIMEOUT_MS must be a whole number of milliseconds`);
  return {
    securityCheckUpstream: security
      ? replicaPorts(security, env).map((port) => `127.0.0.1:${port}`)
      : undefined,
    trustedProxies,
    ...(timeout ? { checkTimeoutMs: Number(timeout) } : {}),
  };
}
