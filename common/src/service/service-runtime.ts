import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { resolvePublicKey } from '../auth/jwt-keys';
import { SessionRevocations } from '../auth/session-revocations';
import { createTokenVerifier, type TokenVerifier } from '../auth/token-verifier';
import { EventBus } from '../bus/event-bus';
import type { BaseConfig } from '../config/base-config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import type { HealthState, ReadinessCheck } from '../http/health';
import { createMetrics, type Metrics } from '../http/metrics';
import { createLogger } from '../logging/logger';
import { OutboxRelay } from '../outbox/outbox-relay';
import { createConsume, type Consume } from './consume';
import { COMMON_RETENTION, RetentionJob } from '../retention/retention';
import { connectRedis, type Redis } from '../redis/redis-client';
import { databaseUrlFor, redisUrlFor } from '../credentials/service-credentials';

export interface ServiceRuntime<C extends BaseConfig = BaseConfig> {
  name: string;
  /** The service's PostgreSQL schema; its pool sees nothing else. */
  schema: string;
  /** DATABASE_URL as the service's own role (for a connection of its own, e.g. LISTEN). */
  databaseUrl: string;
  /** REDIS_URL as the service's own Redis user (for clients of its own, e.g. Bull's). */
  redisUrl: string;
  config: C;
  logger: Logger;
  metrics: Metrics;
  pool: Pool;
  bus: EventBus;
  relay: OutboxRelay;
  verifier: TokenVerifier;
  /** Session revocations in Redis: read by the verifier, written by auth. */
  revocations: SessionRevocations;
  redis: Redis;
  health: HealthState;
  readiness: Record<string, ReadinessCheck>;
  /** The one way to consume events: inbox applied by default, keyed by the service name. */
  consume: Consume;
  /** Deletes rows past their window (outbox and inbox already registered); add your tables. */
  retention: RetentionJob;
  /** Registers clean-up to run on close, before the bus and the pool are closed (LIFO). */
  onClose(step: () => Promise<void>): void;
  close(): Promise<void>;
}

export interface ServiceRuntimeOptions<C extends BaseConfig> {
  name: string;
  config: C;
  migrationsDir: string;
  /** Tests that exercise a stopped relay start the service without one. */
  startRelay?: boolean;
}

/**
 * Everything a service needs before it can take a request: logger, metrics, its database
 * schema migrated, the event bus, the outbox relay and the token verifier. Each service's
 * composition root adds its routes and consumers on top, so this wiring exists once.
 */
export async function createServiceRuntime<C extends BaseConfig>(
  options: ServiceRuntimeOptions<C>,
): Promise<ServiceRuntime<C>> {
  const { name, config } = options;
  const schema = name.replace(/-/g, '_');
  const logger = createLogger(name, { level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const metrics = createMetrics(name);
  const publicKey = resolvePublicKey(config);
  // Every connection is made as the service's own user: a PostgreSQL role that owns its
  // schema only, a Redis ACL user, a NATS user allowed exactly its service.json's subjects.
  const databaseUrl = databaseUrlFor(config.DATABASE_URL, config.CREDENTIALS_DIR, name);
  const redisUrl = redisUrlFor(config.REDIS_URL, config.CREDENTIALS_DIR, name);
  const pool = createPool(databaseUrl, schema, {
    max: config.DATABASE_POOL_SIZE,
    connectionTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  });
  const closeSteps: (() => Promise<void>)[] = [];
  let redis: Redis | undefined;
  try {
    redis = await connectRedis(redisUrl);
    const revocations = new SessionRevocations(redis, config.REDIS_PREFIX);
    const verifier = createTokenVerifier(publicKey, revocations);
    const applied = await migrate(pool, schema, options.migrationsDir);
    if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
    const bus = await EventBus.connect({
      servers: config.NATS_URL,
      namespace: config.EVENT_NAMESPACE,
      streamReplicas: config.NATS_STREAM_REPLICAS,
      service: name,
      credentialsDir: config.CREDENTIALS_DIR,
      logger,
      metrics,
    });
    metrics.trackConsumers(() => bus.consumerStates());
    const relay = new OutboxRelay({ pool, schema, bus, logger, metrics });
    if (options.startRelay !== false) await relay.start();
    const health: HealthState = { shuttingDown: false };
    const retention = new RetentionJob(pool, logger, config.RETENTION_INTERVAL_MS);
    for (const rule of COMMON_RETENTION) retention.retain(rule);
    retention.start();
    let closing: Promise<void> | undefined;
    return {
      name,
      schema,
      databaseUrl,
      redisUrl,
      config,
      logger,
      metrics,
      pool,
      bus,
      relay,
      verifier,
      revocations,
      redis,
      health,
      consume: createConsume({ service: name, pool, bus, logger }),
      retention,
      readiness: {
        postgres: async () => void (await pool.query('SELECT 1')),
        nats: async () => {
          if (!bus.isConnected()) throw new Error('not connected');
        },
        consumers: async () => {
          const down = bus.consumerStates().filter((c) => c.status !== 'running');
          if (down.length > 0)
            throw new Error(
              down
                .map((c) => `${c.durable} ${c.status}${c.lastError ? `: ${c.lastError}` : ''}`)
                .join('; '),
            );
        },
      },
      onClose: (step) => closeSteps.push(step),
      close: () =>
        (closing ??= (async () => {
          health.shuttingDown = true;
          for (const step of closeSteps.reverse()) {
            await step().catch((err) => logger.error({ err }, 'error during shutdown'));
          }
          await retention.stop();
          await relay.stop();
          await bus.close();
          redis?.disconnect();
          await pool.end();
          logger.info('stopped');
        })()),
    };
  } catch (error) {
    redis?.disconnect();
    await pool.end().catch(() => undefined);
    throw error;
  }
}
