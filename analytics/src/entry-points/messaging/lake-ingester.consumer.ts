import type { EventBus, Logger, StreamSubscription } from '@ticketaka/common';
import { ingestBatch, type IngestTarget } from '../../domain/ingest-batch.use-case';
import type { IngestLag } from '../../domain/ingest-lag';

/** Every producing service's stream, plus the dead letters; new producers are added here. */
export const OBSERVED_PRODUCERS = [
  'auth',
  'tickets',
  'orders',
  'expiration',
  'payments',
  'kafka-bridge',
  'security',
  'deadletter',
];

/**
 * Observes every stream through the bus (one durable consumer per stream) and ingests it
 * batch by batch. `replay` (the rebuild) reads each stream from its first message with a
 * throw-away consumer instead.
 */
export async function observeAllStreams(
  bus: EventBus,
  target: IngestTarget,
  options: { logger: Logger; batchSize: number; lag?: IngestLag; replay?: boolean },
): Promise<StreamSubscription[]> {
  const subscriptions: StreamSubscription[] = [];
  for (const producer of OBSERVED_PRODUCERS) {
    subscriptions.push(
      await bus.subscribeStream({
        consumer: 'analytics',
        producer,
        replay: options.replay,
        maxBatch: options.batchSize,
        maxWaitMs: 50,
        handleBatch: async (messages) => {
          const accepted = await ingestBatch(target, messages);
          options.lag?.record(accepted.map((e) => e.occurredAt));
        },
      }),
    );
  }
  return subscriptions;
}

/** Messages the subscriptions have not yet handled (0 when caught up). */
export async function pendingOf(subscriptions: StreamSubscription[]): Promise<number> {
  const counts = await Promise.all(subscriptions.map((s) => s.pending()));
  return counts.reduce((a, b) => a + b, 0);
}
