import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kafkaServer, kafkaTlsFiles } from '../../../infra/src/servers/kafka.server';
import { homeDir } from '../../../infra/src/paths';
import type { RunningServer } from '../../../infra/src/servers/server';
import { freePort } from '../../../infra/src/process/port';

/**
 * A broker of this test file's own (own ports, own data directory), started by the same code
 * as the shared one, so a test can stop and restart it without disturbing anyone else.
 * The jars already fetched for the shared broker are reused through a symlink.
 * With `saslUsers` (`name:password,…`) it also listens with SASL PLAIN over TLS, like the
 * partner network, on `saslSslUrl`; `caFile` is its self-signed certificate.
 */
export async function startPrivateBroker(options: { saslUsers?: string } = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-kafka-'));
  const sharedLibs = path.join(homeDir(), 'kafka', 'libs');
  if (fs.existsSync(path.join(sharedLibs, '.installed'))) {
    fs.mkdirSync(path.join(home, 'kafka'), { recursive: true });
    fs.symlinkSync(sharedLibs, path.join(home, 'kafka', 'libs'));
  }
  const env = {
    TICKETAKA_HOME: home,
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
    ...(options.saslUsers && {
      KAFKA_SASL_SSL_PORT: String(await freePort()),
      KAFKA_SASL_USERS: options.saslUsers,
    }),
  };
  let server: RunningServer = await kafkaServer.ensure(env);
  return {
    url: server.url,
    saslSslUrl: env.KAFKA_SASL_SSL_PORT && `127.0.0.1:${env.KAFKA_SASL_SSL_PORT}`,
    caFile: kafkaTlsFiles(env).caFile,
    stop: () => server.stop(),
    restart: async () => {
      server = await kafkaServer.ensure(env);
    },
    remove: async () => {
      await server.stop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
