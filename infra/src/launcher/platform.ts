import fs from 'node:fs';
import path from 'node:path';
import { localJwtKeyPair } from '@ticketaka/common/src/auth/jwt-keys';
import {
  localCredentialsDir,
  localDatabaseUrl,
  localNatsUrl,
  localPort,
  localRedisUrl,
  localSmtpUrl,
} from '@ticketaka/common/src/config/local-defaults';
import { startDaemon } from '../process/daemon';
import { niceFor } from '../process/scheduling';
import { homeDir, repoRoot, runDir } from '../paths';
import { ensurePrerequisites, platformPrerequisites, testPrerequisites } from '../prerequisites';
import { natsServer } from '../servers/nats.server';
import { postgresServer } from '../servers/postgres.server';
import { redisServer } from '../servers/redis.server';
import { kafkaServer } from '../servers/kafka.server';
import { mailpitServer } from '../servers/mailpit.server';
import { gatewaySecurityOptions, startGateway } from '../servers/nginx-gateway.server';
import type { RunningServer } from '../servers/server';
import {
  existingServices,
  launchCommand,
  serviceDefinitions,
  replicaPorts,
  servicePort,
  urlVariable,
  type ServiceDefinition,
} from '../services';
import { buildIsStale, runBuild } from './build-step';

export interface Progress {
  step(label: string): { done(detail?: string): void; fail(error: unknown): void };
  /** A line of a long step's own output (a build), shown under the step. */
  log?(line: string): void;
}

export const partnerSyncEnabled = (env: NodeJS.ProcessEnv) => env.PARTNER_SYNC === 'true';

/**
 * Environment of a service process in a local run: the developer's own variables pass
 * through (e.g. STRIPE_SECRET_KEY, ORDER_LOCK_SECONDS), and everything that says where the
 * local servers are is set by the launcher.
 */
export function serviceEnv(
  service: ServiceDefinition,
  env: NodeJS.ProcessEnv,
  kafkaUrl?: string,
): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('npm_')));
  const callees = serviceDefinitions.filter((s) => service.calls.includes(s.name));
  return {
    ...inherited,
    // Passed through as given: NODE_ENV=production demands production configuration (keys,
    // secure cookies, no default secrets) instead of being quietly downgraded.
    NODE_ENV: env.NODE_ENV ?? 'development',
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    PORT: String(servicePort(service, env)),
    DATABASE_URL: localDatabaseUrl(env),
    NATS_URL: localNatsUrl(env),
    REDIS_URL: localRedisUrl(env),
    JWT_KEYS_DIR: path.join(homeDir(env), 'keys'),
    // Each service reads its own NATS nkey and PostgreSQL / Redis passwords from here.
    CREDENTIALS_DIR: localCredentialsDir(env),
    ...(kafkaUrl ? { KAFKA_BROKERS: kafkaUrl } : {}),
    SMTP_URL: env.SMTP_URL ?? localSmtpUrl(env),
    ...Object.fromEntries(
      callees.map((s) => [urlVariable(s), `http://127.0.0.1:${servicePort(s, env)}`]),
    ),
    ...service.process?.env,
  };
}

/**
 * Starts the whole platform as local processes: real PostgreSQL, NATS JetStream, Redis
 * (and Kafka with PARTNER_SYNC=true), every service that exists, and the gateway.
 * Returns what it started, in start order, so the caller can stop it in reverse.
 */
export async function startPlatform(
  env: NodeJS.ProcessEnv,
  progress: Progress,
): Promise<RunningServer[]> {
  const started: RunningServer[] = [];
  const run = async (
    label: string,
    work: () => Promise<RunningServer | RunningServer[] | void>,
  ) => {
    const step = progress.step(label);
    try {
      const result = await work();
      const list = Array.isArray(result) ? result : result ? [result] : [];
      started.push(...list);
      step.done(
        list.length === 1 && list[0]
          ? list[0].started
            ? 'started'
            : 'already running, reused'
          : undefined,
      );
    } catch (error) {
      step.fail(error);
      throw Object.assign(error as Error, { started });
    }
  };

  const sync = partnerSyncEnabled(env);
  await run('Checking system packages', async () =>
    ensurePrerequisites(sync ? testPrerequisites : platformPrerequisites, () => undefined),
  );
  await run('PostgreSQL', () => postgresServer.ensure(env));
  await run('NATS JetStream', () => natsServer.ensure(env));
  await run('Redis', () => redisServer.ensure(env));
  let kafkaUrl: string | undefined;
  if (sync) {
    await run('Kafka broker (partner sync)', async () => {
      const kafka = await kafkaServer.ensure(env);
      kafkaUrl = kafka.url;
      return kafka;
    });
  }
  localJwtKeyPair(path.join(homeDir(env), 'keys'));

  const services = existingServices(env).filter(
    (s) => !env.TICKETAKA_SERVICES || env.TICKETAKA_SERVICES.split(',').includes(s.name),
  );
  // Mail goes to a local Mailpit unless the developer named a real relay.
  if (services.some((s) => s.name === 'notifications') && !env.SMTP_URL) {
    await run('Mailpit (SMTP, inbox in the browser)', () => mailpitServer.ensure(env));
  }
  for (const service of services) {
    const build = service.process?.build;
    if (build && buildIsStale(build)) {
      await run(`Building ${service.name} (first start or changed sources)`, () =>
        runBuild(build, serviceEnv(service, env, kafkaUrl), (line) =>
          progress.log?.(`${service.name} │ ${line}`),
        ),
      );
    }
    for (const port of replicaPorts(service, env)) {
      const name = port === servicePort(service, env) ? service.name : `${service.name}@${port}`;
      await run(`Service ${name}`, async () => {
        const daemon = await startDaemon(
          {
            name,
            ...launchCommand(service),
            cwd: repoRoot,
            port,
            nice: niceFor(service.scheduling, env),
            env: { ...serviceEnv(service, env, kafkaUrl), PORT: String(port) },
            ready: async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
            readyTimeoutMs: service.process?.readyTimeoutMs ?? 60_000,
          },
          env,
        );
        return {
          name,
          started: true,
          url: `http://127.0.0.1:${port}`,
          pid: daemon.pid,
          stop: daemon.stop,
        };
      });
    }
  }

  await run('Gateway (nginx)', () =>
    startGateway(
      {
        listenPort: localPort('GATEWAY_PORT', env),
        upstreams: Object.fromEntries(
          services.map((s) => [s.name, replicaPorts(s, env).map((port) => `127.0.0.1:${port}`)]),
        ),
        ...gatewaySecurityOptions(services, env),
      },
      env,
    ),
  );
  return started;
}

/** What the launcher started, so `npm stop` can stop exactly that after a crash of the launcher. */
export const startedListFile = (env: NodeJS.ProcessEnv) =>
  path.join(runDir(env), 'launcher-started.json');

export function recordStarted(env: NodeJS.ProcessEnv, names: string[]) {
  fs.mkdirSync(runDir(env), { recursive: true });
  fs.writeFileSync(startedListFile(env), JSON.stringify(names));
}
