import path from 'node:path';
import { defineService } from '@ticketaka/common';
import type { BridgeContext } from './bridge-context';
import { createBridgeMetrics } from './bridge-metrics';
import { kafkaBridgeConfigSchema, topicsOf } from './config';
import { findEntry, flagDeadLetter, ledgerId } from './data-access/ledger.repository';
import type { TicketsEffect } from './data-access/tickets-effects.repository';
import { TicketsSync } from './domain/tickets-sync';
import { partnerSyncRouter } from './entry-points/http/partner-sync.routes';
import { sendToDeadLetter } from './kafka/dead-letter';
import { KafkaAdmin } from './kafka/kafka-admin';
import { createKafka } from './kafka/kafka-client';
import { PartnerProducer } from './kafka/partner-producer';
import { PartnerLink } from './partner-link';
import { resolveBridgeKeys } from './signing-keys';

export const startKafkaBridgeService = defineService({
  name: 'kafka-bridge',
  config: kafkaBridgeConfigSchema,
  migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
  setup: async (runtime) => {
    const topics = topicsOf(runtime.config);
    const keys = resolveBridgeKeys(runtime.config);
    const metrics = createBridgeMetrics(runtime.metrics);
    const kafka = createKafka(runtime.config, runtime.logger);
    const admin = new KafkaAdmin(kafka);
    const producer = new PartnerProducer(
      kafka,
      runtime.logger,
      runtime.config.KAFKA_PRODUCE_TIMEOUT_MS,
    );
    const deadLetter = {
      pool: runtime.pool,
      producer,
      topic: topics.deadLetter,
      clientId: runtime.config.KAFKA_CLIENT_ID,
      metrics,
    };

    /** A partner change tickets refused for good goes to the dead-letter topic with its message. */
    const deadLetterEffect = async (effect: TicketsEffect, code: string, reason: string) => {
      const [, topic, partition, offset] =
        /^(.+):(\d+):(\d+)(?::\d+)?$/.exec(effect.messageKey) ?? [];
      if (!topic || !partition || !offset) return;
      const entry = await findEntry(runtime.pool, topic, Number(partition), offset);
      if (!entry || entry.deadLetteredAt) return;
      await sendToDeadLetter(
        deadLetter,
        await flagDeadLetter(runtime.pool, entry, code, reason),
        code,
        reason,
      );
    };
    const sync = new TicketsSync({
      pool: runtime.pool,
      bus: runtime.bus,
      logger: runtime.logger,
      metrics,
      deadLetterEffect,
    });

    const context: BridgeContext = {
      runtime,
      topics,
      metrics,
      kafka,
      admin,
      producer,
      layout: { ticketSalesPartitions: runtime.config.KAFKA_TICKET_SALES_PARTITIONS },
      groupSuffix: (await ledgerId(runtime.pool)).slice(0, 8),
      sync,
      deadLetter,
      keys,
    };
    const link = new PartnerLink(context);
    runtime.readiness.kafka = () => link.assertReady();
    runtime.onClose(async () => {
      await link.stop();
      await sync.stop();
      await producer.close();
      await admin.close();
    });
    const linked = link.start();
    sync.start();

    return {
      routes: (app) => app.use(partnerSyncRouter(runtime, topics, () => link.phase)),
      /** `linked` resolves once the partner link runs (tests wait for it). */
      expose: { linked, topics },
    };
  },
});
