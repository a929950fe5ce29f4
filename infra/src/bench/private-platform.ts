import fs from 'node:fs';
import path from 'node:path';
import { startPlatform } from '../launcher/platform';
import { homeDir, repoRoot } from '../paths';
import { readPid } from '../process/daemon';
import type { RunningServer } from '../servers/server';
import { servicePortsMovedBy } from '../services';

/** The local servers' default ports (common/src/config/local-defaults.ts), moved by an offset. */
const SERVER_PORTS: Record<string, number> = {
  POSTGRES_PORT: 25432,
  NATS_PORT: 24222,
  NATS_MONITOR_PORT: 28222,
  REDIS_PORT: 26379,
  GATEWAY_PORT: 8080,
  KAFKA_PORT: 29092,
  MAILPIT_SMTP_PORT: 21025,
  MAILPIT_HTTP_PORT: 28025,
};

export interface PrivatePlatform {
  env: NodeJS.ProcessEnv;
  gatewayUrl: string;
  started: RunningServer[];
  /** The root pid of every process the platform started, by name (for CPU accounting). */
  pids(): Record<string, number>;
  stop(): Promise<void>;
}

/**
 * A platform of a benchmark's own, started by the `npm start` launcher (so it is the platform
 * fans meet: nginx, the security check, services as processes) on ports moved by `offset`,
 * with its own PostgreSQL, NATS and Redis under a private home, and only `services`.
 */
export async function startPrivatePlatform(options: {
  label: string;
  offset: number;
  services: string[];
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}): Promise<PrivatePlatform> {
  const home = path.join(repoRoot, '.local', `${options.label}-${Date.now().toString(36)}`);
  fs.mkdirSync(home, { recursive: true });
  const ports = Object.fromEntries([
    ...Object.entries(SERVER_PORTS).map(([key, port]) => [key, String(port + options.offset)]),
    ...Object.entries(servicePortsMovedBy(options.offset)),
  ]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...ports,
    ...options.env,
    TICKETAKA_HOME: home,
    TICKETAKA_SERVICES: options.services.join(','),
  };
  const log = options.log ?? ((line: string) => console.log(line));
  let started: RunningServer[] = [];
  try {
    started = await startPlatform(env, {
      step: (label) => {
        const t0 = Date.now();
        return {
          done: (detail) =>
            log(`  ✓ ${label}${detail ? ` (${detail})` : ''} ${Date.now() - t0} ms`),
          fail: (error) => log(`  ✗ ${label}: ${(error as Error).message}`),
        };
      },
    });
  } catch (error) {
    started = (error as { started?: RunningServer[] }).started ?? [];
    await stopAll(started, home);
    throw error;
  }
  return {
    env,
    gatewayUrl: `http://127.0.0.1:${env.GATEWAY_PORT}`,
    started,
    pids: () =>
      Object.fromEntries(
        started.flatMap((s) => {
          const pid = readPid(s.name, env);
          return pid ? [[s.name, pid] as const] : [];
        }),
      ),
    stop: () => stopAll(started, home),
  };
}

async function stopAll(started: RunningServer[], home: string) {
  for (const server of [...started].reverse())
    if (server.started) await server.stop().catch(() => undefined);
  // BENCH_KEEP_HOME=true keeps the logs (under <home>/logs) for a look after the run.
  if (process.env.BENCH_KEEP_HOME === 'true') console.log(`  platform home kept: ${home}`);
  else if (homeDir({ TICKETAKA_HOME: home }).startsWith(path.join(repoRoot, '.local')))
    fs.rmSync(home, { recursive: true, force: true });
}
