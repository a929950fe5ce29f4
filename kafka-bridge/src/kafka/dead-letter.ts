import type { Pool } from '@ticketaka/common';
import type { BridgeMetrics } from '../bridge-metrics';
import { markDeadLettered, type LedgerEntry } from '../data-access/ledger.repository';
import type { PartnerProducer } from './partner-producer';

/** What lands on the dead-letter topic: the reason, where it came from, the message verbatim. */
export interface PartnerDeadLetter {
  reasonCode: string;
  reason: string;
  source: { topic: string; partition: number; offset: string };
  platform: string | null;
  failedAt: string;
  /** The original value, byte for byte as text (it may not even be JSON). */
  payload: string | null;
  headers: Record<string, string>;
}

export interface DeadLetterDeps {
  pool: Pool;
  producer: PartnerProducer;
  topic: string;
  clientId: string;
  metrics: BridgeMetrics;
}

/**
 * Sends a refused message to our dead-letter topic and records that it went there, so a
 * redelivered offset does not send it twice (a crash between the two can, and the dead-letter
 * key — the source coordinates — lets a reader drop that copy).
 */
export async function sendToDeadLetter(
  deps: DeadLetterDeps,
  entry: Pick<LedgerEntry, 'topic' | 'partition' | 'offset' | 'platform' | 'payload' | 'headers'>,
  reasonCode: string,
  reason: string,
): Promise<void> {
  const letter: PartnerDeadLetter = {
    reasonCode,
    reason,
    source: { topic: entry.topic, partition: entry.partition, offset: entry.offset },
    platform: entry.platform,
    failedAt: new Date().toISOString(),
    payload: entry.payload,
    headers: entry.headers,
  };
  await deps.producer.send({
    topic: deps.topic,
    key: `${entry.topic}:${entry.partition}:${entry.offset}`,
    value: JSON.stringify(letter),
    headers: { clientId: deps.clientId, reason: reasonCode },
  });
  if (await markDeadLettered(deps.pool, entry))
    deps.metrics.deadLettered.inc({ reason: reasonCode });
}
