import { createTestEnvironment } from '@ticketaka/common/testing';
import { ensureCoreServers } from '@ticketaka/infra/src/servers/core-servers';
import {
  startServiceProcess,
  stopServiceProcess,
  type ServiceProcess,
} from '@ticketaka/infra/src/testing/service-processes';

/** What the tickets benchmarks share: real servers, a fresh database and namespace, the service as a child process. */
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

/**
 * A service for the benchmark as its own process, started and stopped the way the tests'
 * service processes are, with the benchmark's fresh database and users; resolves when ready.
 */
export async function startBenchService(
  setup: Setup,
  log: (m: string) => void,
  extraEnv: NodeJS.ProcessEnv = {},
  service: 'tickets' | 'security' = 'tickets',
): Promise<ServiceProcess> {
  log(`starting the ${service} service (child process)…`);
  const { PORT, ...env } = extraEnv;
  const started = await startServiceProcess(
    service,
    { ...process.env, ...setup.serviceEnv, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
    {
      ...(PORT ? { port: Number(PORT) } : {}),
      // e.g. BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles tickets alone
      // (NODE_OPTIONS refuses --cpu-prof, and would profile the load generator too).
      nodeArgs:
        service === 'tickets'
          ? (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean)
          : [],
      readyTimeoutMs: 90_000,
    },
  );
  setup.teardown.push(() => stopServiceProcess(started));
  return started;
}
