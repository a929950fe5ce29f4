import type { Pool } from '@ticketaka/common';
import type { BridgeMetrics } from '../bridge-metrics';
import { markDeadLettered, type LedgerEntry } from '../data-access/ledger.repository';
import { clip, KEPT_VALUE_BYTES } from '../domain/raw-message';
import { isDeterministicFailure } from './topic-consumer';
import type { PartnerProducer } from './partner-producer';

/**
 * What lands on the dead-letter topic: the reason, where it came from, and the message as
 * far as it is safe to carry. Bounded whatever the partner sent: at most KEPT_VALUE_BYTES of
 * the value (as text when it is clean UTF-8, else base64), with its size and digest.
 */
export interface PartnerDeadLetter {
  reasonCode: string;
  reason: string;
  source: { topic: string; partition: number; offset: string };
  platform: string | null;
  failedAt: string;
  /** The value verbatim, when it is clean UTF-8 and short enough to keep whole. */
  payload: string | null;
  /** Otherwise its first KEPT_VALUE_BYTES bytes. */
  payloadBase64?: string;
  payloadSize: number | null;
  payloadSha256: string | null;
  payloadTruncated: boolean;
  headers: Record<string, string>;
}

/** Far below the broker's default 1 MB `max.message.bytes`, whatever the entry holds. */
const MAX_LETTER_CHARS = 4 * KEPT_VALUE_BYTES + 16 * 1024;

export interface DeadLetterDeps {
  pool: Pool;
  producer: PartnerProducer;
  topic: string;
  clientId: string;
  metrics: BridgeMetrics;
}

export function deadLetterOf(
  entry: Pick<
    LedgerEntry,
    | 'topic'
    | 'partition'
    | 'offset'
    | 'platform'
    | 'payload'
    | 'payloadBytes'
    | 'payloadSize'
    | 'payloadSha256'
    | 'payloadTruncated'
    | 'headers'
  >,
  reasonCode: string,
  reason: string,
): string {
  const letter: PartnerDeadLetter = {
    reasonCode,
    reason: clip(reason, 1_000),
    source: { topic: entry.topic, partition: entry.partition, offset: entry.offset },
    platform: entry.platform && clip(entry.platform, 200),
    failedAt: new Date().toISOString(),
    payload: entry.payload,
    ...(entry.payload === null &&
      entry.payloadBytes && { payloadBase64: entry.payloadBytes.toString('base64') }),
    payloadSize: entry.payloadSize,
    payloadSha256: entry.payloadSha256,
    payloadTruncated: entry.payloadTruncated,
    headers: entry.headers,
  };
  const text = JSON.stringify(letter);
  if (text.length <= MAX_LETTER_CHARS) return text;
  // Escaping can grow a kept value several times over: then carry its bytes in base64 only.
  return JSON.stringify({
    ...letter,
    payload: null,
    payloadBase64: entry.payloadBytes?.toString('base64'),
    headers: {},
  });
}

/**
 * Sends a refused message to our dead-letter topic and records that it went there, so a
 * redelivered offset does not send it twice (a crash between the two can, and the dead-letter
 * key — the source coordinates — lets a reader drop that copy). A letter the broker refuses
 * for good (too large, invalid) is recorded as sent without it: the entry keeps the evidence.
 */
export async function sendToDeadLetter(
  deps: DeadLetterDeps,
  entry: Parameters<typeof deadLetterOf>[0],
  reasonCode: string,
  reason: string,
): Promise<void> {
  try {
    await deps.producer.send({
      topic: deps.topic,
      key: `${entry.topic}:${entry.partition}:${entry.offset}`,
      value: deadLetterOf(entry, reasonCode, reason),
      headers: { clientId: deps.clientId, reason: reasonCode },
    });
  } catch (error) {
    if (!isDeterministicFailure(error)) throw error;
    deps.metrics.deadLetterFailures.inc();
  }
  if (await markDeadLettered(deps.pool, entry))
    deps.metrics.deadLettered.inc({ reason: reasonCode });
}
