import { z } from 'zod';
import { envBoolean } from './load-config';
import {
  localCredentialsDir,
  localDatabaseUrl,
  localNatsUrl,
  localRedisUrl,
} from './local-defaults';

const nodeEnv = z.enum(['development', 'test', 'production']).default('development');

/** The Redis key prefix of a real installation (tests give each file a prefix of its own). */
export const DEFAULT_REDIS_PREFIX = 'ticketaka';

/**
 * Variables every service reads. Defaults point at the local platform started by
 * `npm start`; in a cluster the manifests set them all.
 */
export const baseConfigSchema = z.object({
  NODE_ENV: nodeEnv,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: envBoolean(false),
  /**
   * Interface the HTTP server binds. Loopback in local runs, so the services, /metrics and
   * /readyz are reachable only through the gateway; 0.0.0.0 in a cluster (set by the manifests).
   */
  HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * Where the database is. The service connects as its own role (named like its schema)
   * with the password from CREDENTIALS_DIR; a user or password in the URL is replaced.
   */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL')
    .default(localDatabaseUrl()),
  /**
   * Folder of per-user secrets: `<CREDENTIALS_DIR>/<service>/` holds the service's NATS nkey
   * seed, PostgreSQL and Redis passwords (common/src/credentials/service-credentials.ts).
   */
  CREDENTIALS_DIR: z.string().min(1).default(localCredentialsDir()),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Longest wait for a pooled connection before the request answers 503. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** PostgreSQL cancels a statement running longer than this. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** PostgreSQL ends a transaction left idle this long (its holder is stuck elsewhere). */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(15_000),
  /** How often old outbox, inbox and per-service rows are deleted (0 turns it off). */
  RETENTION_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(3_600_000),
  NATS_URL: z
    .string()
    .regex(/^nats:\/\//, 'must be a nats:// URL (comma-separate several)')
    .default(localNatsUrl()),
  /** JetStream copies of each stream: 3 on the cluster in infra/k8s, 1 on a single local server. */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Redis: session revocations (every service) and Bull's delayed jobs (expiration). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default(localRedisUrl()),
  /** Prefix of every Redis key; lets test files share one Redis in isolation. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-" only')
    .default(DEFAULT_REDIS_PREFIX),
  /** Prefix for every subject and stream; lets test files share one NATS server in isolation. */
  EVENT_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9_]*$/, 'lower-case letters, digits and underscores only')
    .default(''),
  /** Auth's public key (PEM); when unset outside production it is read from JWT_KEYS_DIR. */
  JWT_PUBLIC_KEY: z.string().optional(),
  JWT_KEYS_DIR: z.string().default('.local/keys'),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** Production must be configured explicitly: no silent fall-back to local defaults. */
export function requireInProduction<T extends z.ZodObject>(schema: T, names: string[]) {
  return schema.superRefine((value: Record<string, unknown>, ctx) => {
    if (value.NODE_ENV !== 'production') return;
    for (const name of names) {
      if (value[name] === undefined || value[name] === '') {
        ctx.addIssue({ code: 'custom', path: [name], message: 'is required in production' });
      }
    }
  });
}
