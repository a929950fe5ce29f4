import { applyOnce, inTransaction, RetryLaterError, type Pool } from '@ticketaka/common';
import type { BridgeMetrics } from '../bridge-metrics';
import { categoryPrice, firstCopyOf, positionsOf } from '../data-access/ledger.repository';
import { beginSending, markSent, markSkipped } from '../data-access/outbound.repository';
import {
  decideFate,
  findOwnHold,
  insertOwnHoldIfMissing,
} from '../data-access/own-holds.repository';
import { partitionForKey } from '../kafka/kafka-client';
import type { PartnerProducer } from '../kafka/partner-producer';
import { formatSeen, sign, SIGNATURE_HEADER } from './message-signature';
import { categoryKey, saleMessage, type SaleAction } from './wire-format';

export interface PublishDeps {
  pool: Pool;
  producer: PartnerProducer;
  /** Per partition of a topic: first stored offset and next offset to be written. */
  topicEnds: (topic: string) => Promise<{ partition: number; low: bigint; high: bigint }[]>;
  topic: string;
  clientId: string;
  /** The HMAC key every Ticketaka instance shares (message-signature.ts). */
  signingKey: Buffer;
  partitionCount: () => number;
  metrics: BridgeMetrics;
  /** True once the bridge is shutting down: events still buffered go back to JetStream at once. */
  stopping: () => boolean;
}

/** One of our hold events, as the partner network must hear it. */
export interface OwnChange {
  eventId: string;
  orderId: string;
  action: SaleAction;
  matchNumber: number;
  category: number;
  quantity: number;
}

export type PublishOutcome = 'sent' | 'already_sent' | 'skipped';

export const OUTBOUND_CONSUMER = 'kafka-bridge:partner-outbound';

/**
 * Tells partners about one of our holds, sales or releases, once:
 * - a sale or release waits until our TICKET_PENDING for that hold has come back from the
 *   log; a void hold was never ours for anyone, so nothing more is sent about it;
 * - the attempt is recorded before producing; a later attempt at the same event first makes
 *   sure the earlier one is not already in the log (our own consumer has read every
 *   partition up to its end) before producing again;
 * - the idempotent producer drops its own retries; the event id is recorded once sent.
 * Any failure (Kafka down) throws, and JetStream redelivers the event later.
 */
export async function publishOwnChange(
  deps: PublishDeps,
  change: OwnChange,
): Promise<PublishOutcome> {
  const { pool, clientId } = deps;
  if (deps.stopping()) throw new RetryLaterError('the bridge is stopping');
  if (change.action !== 'TICKET_PENDING') {
    const hold = await findOwnHold(pool, change.orderId);
    if (!hold)
      throw new RetryLaterError(`hold ${change.orderId}: its TICKET_PENDING has not been sent yet`);
    if (hold.fate === 'unknown') {
      throw new RetryLaterError(
        `hold ${change.orderId}: waiting for our TICKET_PENDING to come back from the log`,
      );
    }
    if (hold.fate === 'void') {
      await inTransaction(pool, async (client) => {
        await beginSending(client, change);
        await markSkipped(client, change.eventId, 'the hold is void in the partner log');
      });
      return 'skipped';
    }
  }

  const price = await categoryPrice(pool, change.matchNumber, change.category);
  const before = await inTransaction(pool, async (client) => {
    const previous = await beginSending(client, change);
    if (change.action === 'TICKET_PENDING') await insertOwnHoldIfMissing(client, change);
    if (!previous && price === undefined) {
      // Partners cannot sell what the organiser's list does not have: the hold cannot be safe.
      await markSkipped(client, change.eventId, 'not on the partner master list');
      if (change.action === 'TICKET_PENDING') {
        await decideFate(
          client,
          change.orderId,
          'void',
          'not on the partner master list',
          'outbound',
        );
      }
    }
    return previous;
  });
  if (before && before.status !== 'sending') return 'already_sent';
  if (!before && price === undefined) return 'skipped';
  if (before && (await alreadyInLog(deps, change.eventId))) {
    await applyOnce(pool, OUTBOUND_CONSUMER, change.eventId, (client) =>
      markSent(client, change.eventId, undefined, 'found in the log after an interrupted attempt'),
    );
    return 'already_sent';
  }

  const key = categoryKey(change.matchNumber, change.category);
  const partition = partitionForKey(deps.topic, key, deps.partitionCount());
  const value = JSON.stringify(
    saleMessage(change.action, change.matchNumber, {
      category: change.category,
      quantity: change.quantity,
      price: price as number,
    }),
  );
  // Partners' validators never see headers: our identity, the hold, our clock and how far we
  // had read every partition (which places off-partition partner sales) travel here, signed.
  const headers: Record<string, string> = {
    clientId,
    eventId: change.eventId,
    holdId: change.orderId,
    ticketakaSentAt: String(Date.now()),
    ticketakaSeen: formatSeen(await positionsOf(pool, deps.topic)),
  };
  headers[SIGNATURE_HEADER] = sign(deps.signingKey, {
    topic: deps.topic,
    partition,
    key,
    value,
    headers,
  });
  let where: { partition: number; offset: string };
  try {
    where = await deps.producer.send({ topic: deps.topic, key, partition, value, headers });
  } catch (error) {
    deps.metrics.produceFailures.inc();
    throw error;
  }
  await applyOnce(pool, OUTBOUND_CONSUMER, change.eventId, (client) =>
    markSent(client, change.eventId, where),
  );
  deps.metrics.produced.inc({ action: change.action });
  return 'sent';
}

/**
 * Whether an earlier attempt reached the log. Only answerable once our own ticket-sales
 * consumer has read every partition up to the end it had when we asked; until then, retry
 * later. The order matters: the log's ends first, then how far we have read, then the
 * look-up, since the entry and the read position commit together.
 */
async function alreadyInLog(deps: PublishDeps, eventId: string): Promise<boolean> {
  const dedupeKey = `event:${deps.clientId}:${eventId}`;
  if (await firstCopyOf(deps.pool, dedupeKey)) return true;
  const ends = await deps.topicEnds(deps.topic);
  const read = await positionsOf(deps.pool, deps.topic);
  const behind = ends.filter((end) => end.high > (read.get(end.partition) ?? end.low));
  if (behind.length > 0) {
    throw new RetryLaterError(
      `event ${eventId}: an earlier attempt may be in the log; reading up to its end first`,
    );
  }
  return (await firstCopyOf(deps.pool, dedupeKey)) !== undefined;
}
