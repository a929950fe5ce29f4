import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localPorts } from '@ticketaka/common/src/config/local-defaults';
import { killGroup } from '../process/daemon';
import { homeDir } from '../paths';
import { kafkaServer } from '../servers/kafka.server';
import { natsServer } from '../servers/nats.server';
import { postgresServer } from '../servers/postgres.server';
import { redisServer } from '../servers/redis.server';
import type { RunningServer, ServerDefinition } from '../servers/server';

export type CoreServerName = 'postgres' | 'nats' | 'redis';
/** Kafka only when asked for (partner sync): its JVM takes seconds to start. */
export type PrivateServerName = CoreServerName | 'kafka';

const definitions: Record<PrivateServerName, ServerDefinition> = {
  postgres: postgresServer,
  nats: natsServer,
  redis: redisServer,
  kafka: kafkaServer,
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
  restart(name: PrivateServerName, downMs: number): Promise<void>;
  /** SIGKILL of the server and its children, as a crash. */
  kill(name: PrivateServerName): Promise<void>;
  start(name: PrivateServerName): Promise<void>;
  stopAll(): Promise<void>;
}

export async function startPrivateServers(options: {
  label: string;
  /** Added to every default server port. */
  portOffset: number;
  /** Mode of the home folder: 0o700 reproduces a checkout in a private directory. */
  homeMode?: number;
  /** Also a Kafka broker of its own (`KAFKA_BROKERS` in `env`). */
  kafka?: boolean;
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
    ...(options.kafka && {
      KAFKA_PORT: String(localPorts.KAFKA_PORT + options.portOffset),
      KAFKA_CONTROLLER_PORT: String(localPorts.KAFKA_CONTROLLER_PORT + options.portOffset),
      KAFKA_BROKERS: `127.0.0.1:${localPorts.KAFKA_PORT + options.portOffset}`,
    }),
  };
  if (options.kafka) {
    // The broker's jars, once fetched by Maven for the shared broker, are reused as they are.
    const libs = path.join(homeDir(), 'kafka', 'libs');
    if (fs.existsSync(path.join(libs, '.installed'))) {
      fs.mkdirSync(path.join(home, 'kafka'), { recursive: true });
      fs.symlinkSync(libs, path.join(home, 'kafka', 'libs'));
    }
  }
  const names = (Object.keys(definitions) as PrivateServerName[]).filter(
    (name) => name !== 'kafka' || options.kafka,
  );
  const running: Partial<Record<PrivateServerName, RunningServer>> = {};
  const start = async (name: PrivateServerName) => {
    const server = await definitions[name].ensure(env);
    if (!server.started) {
      throw new Error(
        `${name}: its private port is already taken by another process; a leftover from an earlier run?`,
      );
    }
    running[name] = server;
  };
  const stop = async (name: PrivateServerName) => {
    await running[name]?.stop();
    delete running[name];
  };
  try {
    for (const name of names) await start(name);
  } catch (error) {
    for (const name of Object.keys(running) as PrivateServerName[]) await stop(name);
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
      for (const name of Object.keys(running) as PrivateServerName[]) await stop(name);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
