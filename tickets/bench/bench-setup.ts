import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { localDatabaseUrl, localNatsUrl } from '@ticketaka/common';
import { natsServer } from '@ticketaka/infra/src/servers/nats.server';
import { postgresServer } from '@ticketaka/infra/src/servers/postgres.server';
import type { RunningServer } from '@ticketaka/infra/src/servers/server';

/** What the tickets benchmarks share: real servers, a fresh database and namespace, the service as a child process. */
const repoRoot = path.join(__dirname, '..', '..');

export interface Setup {
  databaseUrl: string;
  natsUrl: string;
  namespace: string;
  teardown: (() => Promise<void>)[];
}

export async function startEverything(log: (m: string) => void): Promise<Setup> {
  const teardown: (() => Promise<void>)[] = [];
  log('ensuring PostgreSQL and NATS are up…');
  const servers: RunningServer[] = await Promise.all([
    postgresServer.ensure(),
    natsServer.ensure(),
  ]);
  for (const server of servers) {
    log(
      `  ${server.name}: ${server.started ? 'started (will be stopped at the end)' : 'already running, reused'}`,
    );
    if (server.started) teardown.push(() => server.stop());
  }

  const suffix = randomBytes(4).toString('hex');
  const database = `bench_${suffix}`;
  const namespace = `bench${suffix}`;
  const admin = new Client({ connectionString: localDatabaseUrl(process.env, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  teardown.push(async () => {
    const client = new Client({ connectionString: localDatabaseUrl(process.env, 'postgres') });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await client.end();
  });
  log(`fresh database ${database}, NATS namespace ${namespace}`);
  return {
    databaseUrl: localDatabaseUrl(process.env, database),
    natsUrl: localNatsUrl(),
    namespace,
    teardown,
  };
}

export function startServiceProcess(
  setup: Setup,
  log: (m: string) => void,
  extraEnv: NodeJS.ProcessEnv = {},
  service: 'tickets' | 'security' = 'tickets',
): ChildProcess {
  log(`starting the ${service} service (child process)…`);
  // e.g. BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the service
  // alone (NODE_OPTIONS refuses --cpu-prof, and would profile the load generator too).
  const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...(service === 'tickets' ? nodeArgs : []),
      '--import',
      'tsx',
      path.join(repoRoot, service, 'src', 'main.ts'),
    ],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        PORT: '0',
        LOG_LEVEL: 'warn',
        DATABASE_URL: setup.databaseUrl,
        NATS_URL: setup.natsUrl,
        EVENT_NAMESPACE: setup.namespace,
        REDIS_PREFIX: setup.namespace,
        ...extraEnv,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  setup.teardown.push(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  );
  return child;
}
