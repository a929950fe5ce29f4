import { randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '../bus/nats-connection';
import { EventBus } from '../bus/event-bus';
import type { EventEnvelope } from '../events/define-event';
import { createLogger } from '../logging/logger';
import { ADMIN_USER } from '../credentials/service-credentials';
import { provisionServiceSchemas } from '../db/service-roles';
import { generateJwtKeyPair, type JwtKeyPair } from '../auth/jwt-keys';
import type { CurrentUser } from '../auth/current-user';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../auth/token-verifier';
import {
  localAdminDatabaseUrl,
  localCredentialsDir,
  localDatabaseUrl,
  localNatsUrl,
  localRedisUrl,
} from '../config/local-defaults';

export interface TestEnvironment {
  /** Environment variables for services started by this test file. */
  env: NodeJS.ProcessEnv;
  /** The test's database as the superuser: for inspecting every schema, never for a service. */
  databaseUrl: string;
  namespace: string;
  keys: JwtKeyPair;
  /**
   * A token as auth would issue it, for tests of services other than auth: a session of its
   * own (nothing revokes it unless a test does) at the user's first version.
   */
  tokenFor(
    user: CurrentUser,
    options?: { expiresInSeconds?: number; sessionId?: string; version?: number },
  ): string;
  /**
   * The test harness's own NATS connection, as `admin`, in the test's namespace: publishing
   * another service's events, inspecting any stream or consumer. A service's bus may do only
   * what its service.json allows, so a test that plays another part uses this one.
   */
  harness(): Promise<EventBus>;
  /** Publishes events as the harness (see `harness`), e.g. an order event for tickets' tests. */
  publish(...events: EventEnvelope[]): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * Isolates one test file on the shared servers: its own database, its own NATS namespace
 * (subjects and streams are prefixed with it), its own Redis key prefix and its own key
 * pair. The servers themselves are started by jest's global setup.
 */
export async function createTestEnvironment(
  label: string,
  options: {
    /** Port variables of servers of the test's own (tests that stop and restart them). */
    servers?: NodeJS.ProcessEnv;
  } = {},
): Promise<TestEnvironment> {
  const servers = options.servers ?? process.env;
  const suffix = randomBytes(4).toString('hex');
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  const database = `t_${slug}_${suffix}`;
  const namespace = `t${suffix}`;
  const admin = new Client({ connectionString: localAdminDatabaseUrl(servers, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  // Each service's role gets its own schema in it, as in a real installation.
  const databaseUrl = localAdminDatabaseUrl(servers, database);
  const owner = new Client({ connectionString: databaseUrl });
  await owner.connect();
  await provisionServiceSchemas(owner, database).finally(() => owner.end());

  const keys = generateJwtKeyPair();
  const credentialsDir = localCredentialsDir(servers);
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Every service started with this env connects as itself (role, Redis user, NATS user).
    DATABASE_URL: localDatabaseUrl(servers, database),
    CREDENTIALS_DIR: credentialsDir,
    DATABASE_POOL_SIZE: '10',
    NATS_URL: localNatsUrl(servers),
    EVENT_NAMESPACE: namespace,
    REDIS_URL: localRedisUrl(servers),
    REDIS_PREFIX: namespace,
    JWT_PUBLIC_KEY: keys.publicKey,
    JWT_PRIVATE_KEY: keys.privateKey,
    PORT: '0',
  };

  let harness: Promise<EventBus> | undefined;
  const harnessBus = () =>
    (harness ??= EventBus.connect({
      servers: localNatsUrl(servers),
      namespace,
      service: 'test-harness',
      user: ADMIN_USER,
      credentialsDir,
      logger: createLogger('test-harness', { level: 'silent' }),
    }));

  return {
    env,
    databaseUrl,
    namespace,
    keys,
    harness: harnessBus,
    publish: async (...events) => {
      const bus = await harnessBus();
      for (const event of events) await bus.publish(event);
    },
    tokenFor: (user, options = {}) => signAccessToken(keys.privateKey, user, options),
    cleanup: async () => {
      if (harness) await (await harness).close();
      const client = new Client({ connectionString: localAdminDatabaseUrl(servers, 'postgres') });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await client.end();
      const nc = await connectNats({
        servers: localNatsUrl(servers),
        user: ADMIN_USER,
        credentialsDir,
        name: `${namespace}-cleanup`,
        maxReconnectAttempts: 0,
      });
      const jsm = await jetstreamManager(nc);
      const prefix = `${namespace}_`.toUpperCase();
      for await (const name of jsm.streams.names()) {
        if (name.startsWith(prefix)) await jsm.streams.delete(name);
      }
      await nc.close();
    },
  };
}

/**
 * An access token as auth issues it, signed with `privateKey`: tests sign with the test
 * environment's key pair, benchmarks with the private platform's own.
 */
export function signAccessToken(
  privateKey: string,
  user: CurrentUser,
  options: { sessionId?: string; version?: number; expiresInSeconds?: number } = {},
): string {
  return jwt.sign(
    {
      email: user.email,
      name: user.displayName,
      country: user.country,
      role: user.role,
      sid: options.sessionId ?? randomUUID(),
      ver: options.version ?? 1,
    },
    privateKey,
    {
      algorithm: TOKEN_ALGORITHM,
      subject: user.id,
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      expiresIn: options.expiresInSeconds ?? 3600,
    },
  );
}
