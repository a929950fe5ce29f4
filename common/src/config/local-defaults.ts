import path from 'node:path';
import { ADMIN_USER, databaseUrlFor } from '../credentials/service-credentials';

/**
 * Project-local ports for local runs and tests. They sit away from the usual defaults so a
 * developer's own PostgreSQL, Redis or NATS on the standard ports is never touched, and
 * below Linux's ephemeral range (32768–60999), so no outgoing connection can be holding one
 * when a server starts.
 * Every value can be overridden through the environment variable of the same name.
 * Each service's own port is in its service.json (the service registry in infra).
 */
export const localPorts = {
  POSTGRES_PORT: 25432,
  NATS_PORT: 24222,
  NATS_MONITOR_PORT: 28222,
  REDIS_PORT: 26379,
  KAFKA_PORT: 29092,
  KAFKA_CONTROLLER_PORT: 29093,
  STRIPE_MOCK_PORT: 22111,
  /** Mailpit: a real SMTP server for local runs and tests, with an inbox in the browser. */
  MAILPIT_SMTP_PORT: 21025,
  MAILPIT_HTTP_PORT: 28025,
  GATEWAY_PORT: 8080,
} as const;

export type LocalPortName = keyof typeof localPorts;

export function localPort(name: LocalPortName, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return localPorts[name];
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a TCP port number (1-65535), got "${raw}"`);
  }
  return port;
}

/**
 * The superuser password of a PostgreSQL data folder made before passwords were generated
 * per installation; only ever read back for such a folder (infra/src/servers/credentials.ts).
 */
export const LEGACY_POSTGRES_PASSWORD = 'ticketaka-local';
export const LOCAL_DATABASE = 'ticketaka';

/** Everything a local run or a test run writes (git-ignored); infra/src/paths.ts agrees. */
export const localHomeDir = (env: NodeJS.ProcessEnv = process.env) =>
  path.resolve(env.TICKETAKA_HOME ?? path.join(__dirname, '..', '..', '..', '.local'));

/** Each user's NATS, PostgreSQL and Redis secrets (common/src/credentials/service-credentials.ts). */
export const localCredentialsDir = (env: NodeJS.ProcessEnv = process.env) =>
  path.resolve(env.CREDENTIALS_DIR ?? path.join(localHomeDir(env), 'credentials'));

/** Where the local PostgreSQL is; the user and password are added by `databaseUrlFor`. */
export function localDatabaseUrl(env: NodeJS.ProcessEnv = process.env, database = LOCAL_DATABASE) {
  return `postgres://127.0.0.1:${localPort('POSTGRES_PORT', env)}/${database}`;
}

/** The local PostgreSQL as its superuser: provisioning and test set-up only, never a service. */
export const localAdminDatabaseUrl = (
  env: NodeJS.ProcessEnv = process.env,
  database = LOCAL_DATABASE,
) => databaseUrlFor(localDatabaseUrl(env, database), localCredentialsDir(env), ADMIN_USER);
export const localNatsUrl = (env: NodeJS.ProcessEnv = process.env) =>
  `nats://127.0.0.1:${localPort('NATS_PORT', env)}`;
export const localRedisUrl = (env: NodeJS.ProcessEnv = process.env) =>
  `redis://127.0.0.1:${localPort('REDIS_PORT', env)}`;
export const localSmtpUrl = (env: NodeJS.ProcessEnv = process.env) =>
  `smtp://127.0.0.1:${localPort('MAILPIT_SMTP_PORT', env)}`;
