import fs from 'node:fs';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { connectNats } from '@ticketaka/common/src/bus/nats-connection';
import {
  localCredentialsDir,
  localNatsUrl,
  localPort,
} from '@ticketaka/common/src/config/local-defaults';
import { ADMIN_USER } from '@ticketaka/common/src/credentials/service-credentials';
import { startDaemon } from '../process/daemon';
import { isPortOpen } from '../process/port';
import { dataDir } from '../paths';
import { serviceDefinitions } from '../services';
import {
  natsPermissions,
  renderNatsAuthorization,
  servicesWithUsers,
  type NatsUser,
} from '../security/nats-permissions';
import { ensureLocalCredentials, LOCAL_TEST_USERS, natsPublicKey } from './credentials';
import { reused, type RunningServer, type ServerDefinition } from './server';

async function jetStreamReady(monitorPort: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`);
  return response.ok;
}

/** The local users: admin and the test fixtures with every right, each service with its own. */
export function localNatsUsers(env: NodeJS.ProcessEnv): NatsUser[] {
  return [
    ...[ADMIN_USER, ...LOCAL_TEST_USERS].map((name) => ({ name, nkey: natsPublicKey(env, name) })),
    ...servicesWithUsers(serviceDefinitions).map((service) => ({
      name: service.name,
      nkey: natsPublicKey(env, service.name),
      permissions: natsPermissions(service, 'any'),
    })),
  ];
}

/** The server's configuration (0600: it is the installation's list of who may connect). */
function writeConfig(env: NodeJS.ProcessEnv, port: number, monitorPort: number): string {
  const dir = dataDir('nats', env);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'nats-server.conf');
  const config = [
    `listen: "127.0.0.1:${port}"`,
    `http: "127.0.0.1:${monitorPort}"`,
    'server_name: "ticketaka-local"',
    `jetstream { store_dir: ${JSON.stringify(dir)} }`,
    renderNatsAuthorization(localNatsUsers(env)),
  ].join('\n');
  fs.writeFileSync(file, config, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return file;
}

/**
 * A server already on the port is reused only if it demands credentials and knows this
 * installation's admin: one started by code from before authentication (anyone may connect)
 * or by another installation is refused with what to do, never silently used.
 */
async function checkReused(url: string, env: NodeJS.ProcessEnv, port: number) {
  const anonymous = await connect({ servers: url, maxReconnectAttempts: 0, reconnect: false })
    .then(async (nc) => {
      await nc.close();
      return true;
    })
    .catch(() => false);
  if (anonymous)
    throw new Error(
      `NATS on port ${port} accepts connections without credentials: it was started by code from before per-service NATS users. ` +
        'Stop it (`npm stop`, or the process that started it) so it is started again with authentication, or use other ports (NATS_PORT, NATS_MONITOR_PORT).',
    );
  try {
    const nc = await connectNats({
      servers: url,
      user: ADMIN_USER,
      credentialsDir: localCredentialsDir(env),
      name: 'ticketaka-reuse-check',
      maxReconnectAttempts: 0,
    });
    await nc.close();
  } catch (error) {
    throw new Error(
      `NATS on port ${port} refuses this installation's admin credentials (${localCredentialsDir(env)}): it belongs to another TICKETAKA_HOME. ` +
        `Use that home, stop that server, or use other ports (NATS_PORT). (${(error as Error).message})`,
      { cause: error },
    );
  }
}

export const natsServer: ServerDefinition = {
  name: 'nats',
  async ensure(env = process.env): Promise<RunningServer> {
    const port = localPort('NATS_PORT', env);
    const monitorPort = localPort('NATS_MONITOR_PORT', env);
    const url = localNatsUrl(env);
    ensureLocalCredentials(env);
    if (await isPortOpen(port)) {
      await checkReused(url, env, port);
      return reused('nats', url);
    }
    const config = writeConfig(env, port, monitorPort);
    const daemon = await startDaemon(
      {
        name: 'nats',
        command: 'nats-server',
        args: ['-c', config],
        ready: async () => (await isPortOpen(port)) && jetStreamReady(monitorPort),
      },
      env,
    );
    return { name: 'nats', started: true, url, pid: daemon.pid, stop: daemon.stop };
  },
};
