import type { ServiceRuntime } from '@ticketaka/common';
import type { Kafka } from 'kafkajs';
import type { BridgeMetrics } from './bridge-metrics';
import type { KafkaBridgeConfig, Topics } from './config';
import type { TicketsSync } from './domain/tickets-sync';
import type { DeadLetterDeps } from './kafka/dead-letter';
import type { KafkaAdmin } from './kafka/kafka-admin';
import type { PartnerProducer } from './kafka/partner-producer';
import type { BridgeKeys } from './signing-keys';

/** What the bridge's entry points share, built once by the composition root. */
export interface BridgeContext {
  runtime: ServiceRuntime<KafkaBridgeConfig>;
  topics: Topics;
  metrics: BridgeMetrics;
  kafka: Kafka;
  admin: KafkaAdmin;
  producer: PartnerProducer;
  /** Partitions of the ticket-sales topic, refreshed whenever the sales consumer joins. */
  layout: { ticketSalesPartitions: number };
  /** Suffix of our consumer group ids: a new ledger reads the topics from the start. */
  groupSuffix: string;
  sync: TicketsSync;
  deadLetter: DeadLetterDeps;
  keys: BridgeKeys;
}

export const groupIdOf = (context: BridgeContext, topic: string) =>
  `${context.runtime.config.KAFKA_CLIENT_ID}.kafka-bridge.${topic}.${context.groupSuffix}`;
