import fs from 'node:fs';
import { Kafka, logLevel, Partitioners, type IHeaders, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { brokersOf, type KafkaBridgeConfig } from '../config';

/** kafkajs logs through the service's pino logger, at the same levels, never with credentials. */
function logCreator(logger: Logger) {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, ...extra } = log;
      const text = `${namespace}: ${message}`;
      if (level === logLevel.ERROR) kafkaLogger.warn(extra, text);
      else if (level === logLevel.WARN) kafkaLogger.info(extra, text);
      else kafkaLogger.debug(extra, text);
    };
}

/**
 * The partner cluster: brokers, SASL PLAIN over TLS and our client id all from the
 * configuration. Short connection and request timeouts make an unreachable cluster show up
 * as a failed produce within seconds, so the JetStream message is simply retried later.
 */
export function createKafka(config: KafkaBridgeConfig, logger: Logger): Kafka {
  const sasl =
    config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD
      ? {
          mechanism: 'plain' as const,
          username: config.KAFKA_SASL_USERNAME,
          password: config.KAFKA_SASL_PASSWORD,
        }
      : undefined;
  // A configured CA replaces the system's list for this client only; verification stays on.
  const ssl =
    config.KAFKA_SSL && config.KAFKA_SSL_CA_FILE
      ? { ca: [fs.readFileSync(config.KAFKA_SSL_CA_FILE, 'utf8')], rejectUnauthorized: true }
      : config.KAFKA_SSL;
  return new Kafka({
    clientId: config.KAFKA_CLIENT_ID,
    brokers: brokersOf(config),
    ssl,
    sasl,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
    logCreator: logCreator(logger),
  });
}

/** The Java client's and kafkajs' default partitioner: murmur2(key) mod partition count. */
const defaultPartitioner = Partitioners.DefaultPartitioner();

export function partitionForKey(topic: string, key: string, partitionCount: number): number {
  const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return defaultPartitioner({ topic, partitionMetadata, message: { key, value: null } });
}

/** Kafka headers as plain strings (the first value of a repeated header). */
export function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined) out[name] = value.toString();
  }
  return out;
}
