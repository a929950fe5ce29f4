import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localPorts } from '@ticketaka/common/src/config/local-defaults';
import { killGroup } from '../process/daemon';
import { natsServer } from '../servers/nats.server';
import { postgresServer } from '../servers/postgres.server';
import { redisServer } from '../servers/redis.server';
import type { RunningServer, ServerDefinition } from '../servers/server';

export type CoreServerName = 'postgres' | 'nats' | 'redis';

const definitions: Record<CoreServerName, ServerDefinition> = {
  postgres: postgresServer,
  nats: natsServer,
  redis: redisServer,
};

/**
 * PostgreSQL, NATS and Redis of a test's own, on ports of its own and under a home folder
 * of its own, so the test may stop, kill and restart them without touching the shared
 * servers every other test file uses. Never reuses: a port already taken is an error.
 */
export interface PrivateServers {
  /** The port variables (and home) to hand to createTestEnvironment and to services. */
  env: NodeJS.ProcessEnv;
  home: string;
  /** Clean stop (PostgreSQL: fast shutdown), then started again after `downMs`. */
  restart(name: CoreServerName, downMs: number): Promise<void>;
  /** SIGKILL of the server and its children, as a crash. */
  kill(name: CoreServerName): Promise<void>;
  start(name: CoreServerName): Promise<void>;
  stopAll(): Promise<void>;
}

export async function startPrivateServers(options: {
  label: string;
  /** Added to every default server port. */
  portOffset: number;
  /** Mode of the home folder: 0o700 reproduces a checkout in a private directory. */
  homeMode?: number;
}): Promise<PrivateServers> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `ticketaka-${options.label}-`));
  fs.chmodSync(home, options.homeMode ?? 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TICKETAKA_HOME: home,
    // Its own users and secrets, whatever the surrounding run's are.
    CREDENTIALS_DIR: path.join(home, 'credentials'),
    TICKETAKA_THROWAWAY_DATA: 'true',
    POSTGRES_PORT: String(localPorts.POSTGRES_PORT + options.portOffset),
    NATS_PORT: String(localPorts.NATS_PORT + options.portOffset),
    NATS_MONITOR_PORT: String(localPorts.NATS_MONITOR_PORT + options.portOffset),
    REDIS_PORT: String(localPorts.REDIS_PORT + options.portOffset),
  };
  const running: Partial<Record<CoreServerName, RunningServer>> = {};
  const start = async (name: CoreServerName) => {
    const server = await definitions[name].ensure(env);
    if (!server.started) {
      throw new Error(
        `${name}: its private port is already taken by another process; a leftover from an earlier run?`,
      );
    }
    running[name] = server;
  };
  const stop = async (name: CoreServerName) => {
    await running[name]?.stop();
    delete running[name];
  };
  try {
    for (const name of Object.keys(definitions) as CoreServerName[]) await start(name);
  } catch (error) {
    for (const name of Object.keys(running) as CoreServerName[]) await stop(name);
    throw error;
  }
  return {
    env,
    home,
    start,
    restart: async (name, downMs) => {
      await stop(name);
      await new Promise((r) => setTimeout(r, downMs));
      await start(name);
    },
    kill: async (name) => {
      const pid = running[name]?.pid;
      if (pid) await killGroup(pid);
      delete running[name];
    },
    stopAll: async () => {
      for (const name of Object.keys(running) as CoreServerName[]) await stop(name);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
