import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createTestEnvironment } from '@ticketaka/common/testing';
import { ensureCoreServers } from '@ticketaka/infra/src/servers/core-servers';

/** What the tickets benchmarks share: real servers, a fresh database and namespace, the service as a child process. */
const repoRoot = path.join(__dirname, '..', '..');

export interface Setup {
  /** The fresh database as its owner: the benchmark's own set-up and checks. */
  databaseUrl: string;
  natsUrl: string;
  namespace: string;
  /** What a service started for the benchmark connects with: its own role, NATS and Redis users. */
  serviceEnv: NodeJS.ProcessEnv;
  teardown: (() => Promise<void>)[];
}

export async function startEverything(log: (m: string) => void): Promise<Setup> {
  const teardown: (() => Promise<void>)[] = [];
  log('ensuring PostgreSQL, NATS and Redis are up…');
  for (const server of await ensureCoreServers()) {
    log(
      `  ${server.name}: ${server.started ? 'started (will be stopped at the end)' : 'already running, reused'}`,
    );
    if (server.started) teardown.push(() => server.stop());
  }
  const environment = await createTestEnvironment('bench');
  teardown.push(() => environment.cleanup());
  log(`fresh database and NATS namespace ${environment.namespace}`);
  return {
    databaseUrl: environment.databaseUrl,
    natsUrl: environment.env.NATS_URL!,
    namespace: environment.namespace,
    serviceEnv: environment.env,
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
        ...setup.serviceEnv,
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
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
