import { inTransaction, type Pool, type PoolClient } from '@ticketaka/common';
import {
  findEntry,
  firstCopyOf,
  insertEntry,
  lockCategories,
  lockHoldings,
  saveCounts,
  type LedgerEntry,
} from '../data-access/ledger.repository';
import { decideFate } from '../data-access/own-holds.repository';
import { insertEffect } from '../data-access/tickets-effects.repository';
import { partitionForKey } from '../kafka/kafka-client';
import { decide, type LedgerDecision } from './ledger';
import { categoryKey, parseTicketSale, type TicketSale } from './wire-format';

/** One consumed Kafka record, as the use cases see it. */
export interface PartnerRecord {
  topic: string;
  partition: number;
  offset: string;
  value: string | null;
  headers: Record<string, string>;
}

export interface RecordSaleDeps {
  pool: Pool;
  /** Our platform id: messages carrying it are ours. */
  clientId: string;
  /** Partitions of the ticket-sales topic, which fixes each category's partition. */
  partitionCount: () => number;
}

/** Producers that name themselves nowhere still get one (shared) identity in the ledger. */
export const ANONYMOUS_PLATFORM = 'anonymous';

type NewEntry = Omit<LedgerEntry, 'deadLetteredAt'>;

/**
 * Runs one ticket-sales message through the partner ledger, once per offset: the decision,
 * the new counts, what tickets is owed and the fate of our own hold commit together with
 * the entry that records the offset. A redelivered offset returns the stored entry and
 * changes nothing, so effects can be retried from it.
 */
export async function recordTicketSale(
  deps: RecordSaleDeps,
  record: PartnerRecord,
): Promise<LedgerEntry> {
  return inTransaction(deps.pool, async (client) => {
    const existing = await findEntry(client, record.topic, record.partition, record.offset);
    if (existing) return existing;

    const messageKey = `${record.topic}:${record.partition}:${record.offset}`;
    const headerPlatform = record.headers.clientId?.trim() || null;
    const base: NewEntry = {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      platform: headerPlatform,
      own: headerPlatform === deps.clientId,
      action: null,
      matchNumber: null,
      lines: null,
      outcome: 'invalid',
      reasonCode: null,
      reason: null,
      dedupeKey: null,
      eventId: null,
      holdId: null,
      messageKey,
      payload: record.value,
      headers: record.headers,
      deadLetter: false,
    };

    const parsed = parseTicketSale(record.value, record.headers);
    if (!parsed.ok) {
      return refuse(client, base, parsed.code, parsed.reason, 'invalid');
    }
    const sale = parsed.value;
    const platform = sale.producer ?? ANONYMOUS_PLATFORM;
    const described: NewEntry = {
      ...base,
      platform,
      own: platform === deps.clientId,
      action: sale.action,
      matchNumber: sale.matchNumber,
      lines: sale.lines,
      eventId: sale.eventId ?? null,
      holdId: sale.holdId ?? null,
      dedupeKey: dedupeKeyOf(sale, platform),
    };

    if (described.dedupeKey) {
      const first = await firstCopyOf(client, described.dedupeKey);
      if (first) {
        return insertEntry(client, {
          ...described,
          outcome: 'duplicate',
          reason: `a copy of ${first.topic}:${first.partition}:${first.offset}`,
        });
      }
    }

    const offPartition = sale.lines.find(
      (line) =>
        partitionForKey(
          record.topic,
          categoryKey(sale.matchNumber, line.category),
          deps.partitionCount(),
        ) !== record.partition,
    );
    if (offPartition) {
      // Only the category's own partition orders its sales the same way for every platform.
      return refuse(
        client,
        described,
        'off_partition',
        `match ${sale.matchNumber} category ${offPartition.category} belongs on the partition of key "${categoryKey(sale.matchNumber, offPartition.category)}", not ${record.partition}`,
        'invalid',
      );
    }

    const categories = sale.lines.map((l) => l.category);
    const step = decide(
      { action: sale.action, platform, matchNumber: sale.matchNumber, lines: sale.lines },
      await lockCategories(client, sale.matchNumber, categories),
      await lockHoldings(client, platform, sale.matchNumber, categories),
    );
    await saveCounts(client, step.categories, step.holdings);
    const { decision } = step;

    if (decision.outcome === 'refused') {
      return refuse(client, described, decision.code, decision.reason, 'refused');
    }
    const changed = decision.outcome === 'granted' || decision.outcome === 'applied';
    if (described.own) {
      await settleOwnHold(client, described, decision, messageKey);
    } else if (changed) {
      for (const line of sale.lines) {
        await insertEffect(client, {
          messageKey: sale.lines.length === 1 ? messageKey : `${messageKey}:${line.category}`,
          action: sale.action,
          matchNumber: sale.matchNumber,
          category: line.category,
          quantity: line.quantity,
        });
      }
    }
    return insertEntry(client, {
      ...described,
      outcome: decision.outcome,
      reason: decision.outcome === 'void' ? decision.reason : null,
    });
  });
}

/** Our event id (Ticketaka instances), else a partner's numeric body.id per action. */
function dedupeKeyOf(sale: TicketSale, platform: string): string | null {
  if (sale.eventId) return `event:${platform}:${sale.eventId}`;
  if (sale.bodyId !== undefined) return `id:${platform}:${sale.action}:${sale.bodyId}`;
  return null;
}

/** Our TICKET_PENDING came back: the ledger's decision is the hold's fate, for us as for everyone. */
async function settleOwnHold(
  client: PoolClient,
  entry: NewEntry,
  decision: LedgerDecision,
  decidedAt: string,
) {
  if (entry.action !== 'TICKET_PENDING' || !entry.holdId) return;
  if (decision.outcome === 'granted')
    await decideFate(client, entry.holdId, 'granted', null, decidedAt);
  else if (decision.outcome === 'void')
    await decideFate(client, entry.holdId, 'void', decision.reason, decidedAt);
}

async function refuse(
  client: PoolClient,
  entry: NewEntry,
  code: string,
  reason: string,
  outcome: 'invalid' | 'refused',
): Promise<LedgerEntry> {
  // A PENDING of ours that the ledger cannot grant is void for every platform: release the hold.
  if (entry.own && entry.holdId && entry.action === 'TICKET_PENDING') {
    await decideFate(
      client,
      entry.holdId,
      'void',
      `${code}: ${reason}`,
      entry.messageKey as string,
    );
  }
  return insertEntry(client, { ...entry, outcome, reasonCode: code, reason, deadLetter: true });
}
