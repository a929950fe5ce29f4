import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  baseConfigSchema,
  envBoolean,
  envPort,
  localPort,
  requireInProduction,
} from '@ticketaka/common';
import registration from '../service.json';

const topicName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits, ".", "_" and "-" only');

/**
 * The partner network's settings. Defaults are the organiser's topic names on the local
 * broker; production must name the brokers, credentials and TLS explicitly.
 */
export const kafkaBridgeConfigSchema = requireInProduction(
  baseConfigSchema.extend({
    PORT: envPort(registration.port),
    /** Comma-separated host:port list of the shared cluster. */
    KAFKA_BROKERS: z
      .string()
      .regex(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, 'comma-separated host:port pairs')
      .optional(),
    /** Our platform id: the Kafka client id and the `clientId` header on everything we produce. */
    KAFKA_CLIENT_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, ".", "_" and "-" only')
      .default('ticketaka'),
    KAFKA_ENV_SUFFIX: z.enum(['dev', 'prod']).default('dev'),
    /** Override the organiser's names (tests isolate themselves with their own topics). */
    KAFKA_MASTER_LIST_TOPIC: topicName.optional(),
    KAFKA_TICKET_SALES_TOPIC: topicName.optional(),
    /** Ours, not the partners': where messages we refuse are kept with the reason. */
    KAFKA_DEAD_LETTER_TOPIC: topicName.optional(),
    KAFKA_SSL: envBoolean(false),
    /**
     * PEM file of the CA(s) the cluster's certificates chain to, when it is not a public one
     * (a private CA, or the self-signed local broker). Certificates are always verified.
     */
    KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
    KAFKA_SASL_USERNAME: z.string().min(1).optional(),
    KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
    /** Create missing topics at start-up; off by default in production, where the organiser owns them. */
    KAFKA_CREATE_TOPICS: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
    /**
     * Local runs play the organiser: when the master-list topic is empty, publish the
     * organiser's list (default: the one tickets bundles). On by default in development only.
     */
    KAFKA_SEED_MASTER_LIST: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
    KAFKA_SEED_MASTER_LIST_FILE: z
      .string()
      .default(
        path.join(
          __dirname,
          '..',
          '..',
          'tickets',
          'src',
          'data-access',
          'seed',
          'master-list.json',
        ),
      ),
    KAFKA_TICKET_SALES_PARTITIONS: z.coerce.number().int().min(1).max(100).default(3),
    KAFKA_TOPIC_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(10).default(1),
    /** How long one produce may take before the hold event is retried later from JetStream. */
    KAFKA_PRODUCE_TIMEOUT_MS: z.coerce.number().int().min(500).max(60_000).default(5_000),
    /**
     * The secret every Ticketaka instance signs its ticket-sales messages with (base64, at
     * least 32 bytes; HMAC-SHA256). From a Secret in production; outside production a key is
     * made once per installation in `<JWT_KEYS_DIR>/partner-signing.key`.
     */
    PARTNER_SIGNING_KEY: z
      .string()
      .regex(/^[A-Za-z0-9+/_-]{43,}={0,2}$/, 'base64 of at least 32 random bytes')
      .optional(),
    /**
     * Client ids of every Ticketaka instance on the network (ours is always included): a
     * message naming one of them without a valid signature is a spoof, never theirs.
     */
    PARTNER_TICKETAKA_CLIENT_IDS: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}(,[A-Za-z0-9._-]{1,100})*$/, 'comma-separated client ids')
      .optional(),
    /**
     * Who may write the master list: `signature` (Ed25519 by the organiser's key,
     * KAFKA_ORGANISER_PUBLIC_KEY; local runs make and use a local organiser key) or `acl`
     * (the cluster's ACLs let only the organiser's SASL principal write that topic).
     */
    KAFKA_MASTER_LIST_TRUST: z.enum(['signature', 'acl']).default('signature'),
    /** The organiser's Ed25519 public key (PEM; `\n` escapes accepted). */
    KAFKA_ORGANISER_PUBLIC_KEY: z.string().min(1).optional(),
    /**
     * A held partner (or our own) TICKET_PENDING with no RESERVED / CANCELLED is released this
     * long after its log timestamp. Must be the same on every Ticketaka instance, and longer
     * than an order's lock (docs/partner-sync.md).
     */
    PARTNER_HOLD_TTL_MINUTES: z.coerce
      .number()
      .min(0.05)
      .max(24 * 60)
      .default(20),
  }),
  ['KAFKA_BROKERS', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'PARTNER_SIGNING_KEY'],
).superRefine((value, ctx) => {
  // Credentials travel only over TLS, and a half-configured SASL would fail at connect time.
  const hasUser = value.KAFKA_SASL_USERNAME !== undefined;
  const hasPassword = value.KAFKA_SASL_PASSWORD !== undefined;
  if (hasUser !== hasPassword) {
    ctx.addIssue({
      code: 'custom',
      path: [hasUser ? 'KAFKA_SASL_PASSWORD' : 'KAFKA_SASL_USERNAME'],
      message: 'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are set together',
    });
  }
  if (hasUser && !value.KAFKA_SSL) {
    ctx.addIssue({
      code: 'custom',
      path: ['KAFKA_SSL'],
      message: 'must be true when SASL credentials are set (SASL PLAIN over TLS)',
    });
  }
  if (value.KAFKA_SSL_CA_FILE !== undefined) {
    if (!value.KAFKA_SSL) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SSL'],
        message: 'must be true when KAFKA_SSL_CA_FILE is set',
      });
    } else if (!fs.existsSync(value.KAFKA_SSL_CA_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SSL_CA_FILE'],
        message: 'no such file',
      });
    }
  }
  if (
    value.NODE_ENV === 'production' &&
    value.KAFKA_MASTER_LIST_TRUST === 'signature' &&
    !value.KAFKA_ORGANISER_PUBLIC_KEY
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['KAFKA_ORGANISER_PUBLIC_KEY'],
      message: 'is required in production unless KAFKA_MASTER_LIST_TRUST=acl',
    });
  }
  if (value.NODE_ENV === 'production' && !value.KAFKA_SSL) {
    ctx.addIssue({
      code: 'custom',
      path: ['KAFKA_SSL'],
      message: 'must be true in production (SASL PLAIN over TLS)',
    });
  }
});

export type KafkaBridgeConfig = z.infer<typeof kafkaBridgeConfigSchema>;

/** The local broker started by the launcher and the tests, unless configured. */
export const brokersOf = (config: KafkaBridgeConfig): string[] =>
  (config.KAFKA_BROKERS ?? `127.0.0.1:${localPort('KAFKA_PORT')}`).split(',');

export const createsTopics = (config: KafkaBridgeConfig): boolean =>
  config.KAFKA_CREATE_TOPICS === undefined
    ? config.NODE_ENV !== 'production'
    : ['true', '1', 'yes'].includes(config.KAFKA_CREATE_TOPICS);

export const seedsMasterList = (config: KafkaBridgeConfig): boolean =>
  config.KAFKA_SEED_MASTER_LIST === undefined
    ? config.NODE_ENV === 'development'
    : ['true', '1', 'yes'].includes(config.KAFKA_SEED_MASTER_LIST);

export interface Topics {
  masterList: string;
  ticketSales: string;
  deadLetter: string;
}

/** The organiser's names, `fifa-world-cup-2022-<what>-<env>`, unless overridden. */
export function topicsOf(config: KafkaBridgeConfig): Topics {
  const env = config.KAFKA_ENV_SUFFIX;
  return {
    masterList: config.KAFKA_MASTER_LIST_TOPIC ?? `fifa-world-cup-2022-masterlist-${env}`,
    ticketSales: config.KAFKA_TICKET_SALES_TOPIC ?? `fifa-world-cup-2022-ticket-sales-${env}`,
    deadLetter:
      config.KAFKA_DEAD_LETTER_TOPIC ?? `${config.KAFKA_CLIENT_ID}-partner-dead-letter-${env}`,
  };
}

/** Every Ticketaka instance's client id: unsigned messages naming one are spoofs. */
export const ticketakaClientIds = (config: KafkaBridgeConfig): ReadonlySet<string> =>
  new Set([config.KAFKA_CLIENT_ID, ...(config.PARTNER_TICKETAKA_CLIENT_IDS?.split(',') ?? [])]);

export const holdTtlMs = (config: KafkaBridgeConfig) =>
  Math.round(config.PARTNER_HOLD_TTL_MINUTES * 60_000);
