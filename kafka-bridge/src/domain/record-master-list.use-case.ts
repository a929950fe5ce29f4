import { inTransaction, type Pool } from '@ticketaka/common';
import {
  findEntry,
  insertCategoryIfMissing,
  insertEntry,
  type LedgerEntry,
} from '../data-access/ledger.repository';
import { parseMasterListMatch } from './wire-format';
import type { PartnerRecord } from './record-ticket-sale.use-case';

const CATEGORY_KEYS = ['category1', 'category2', 'category3'] as const;

/**
 * Starts the ledger's counts of one master-list match, once per offset. The first listing of
 * a category wins, like in tickets: the capacity is its `available` (or the older `count`),
 * and a repeated or re-published match changes nothing, since sales may already be counted.
 */
export async function recordMasterListMatch(
  pool: Pool,
  record: PartnerRecord,
): Promise<{ entry: LedgerEntry; match?: unknown }> {
  const parsed = parseMasterListMatch(record.value);
  return inTransaction(pool, async (client) => {
    const existing = await findEntry(client, record.topic, record.partition, record.offset);
    if (existing) return { entry: existing, match: parsed.ok ? parsed.value.raw : undefined };
    const base = {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      platform: record.headers.clientId ?? null,
      own: false,
      action: null,
      lines: null,
      reasonCode: null,
      reason: null,
      dedupeKey: null,
      eventId: null,
      holdId: null,
      messageKey: `${record.topic}:${record.partition}:${record.offset}`,
      payload: record.value,
      headers: record.headers,
    };
    if (!parsed.ok) {
      const entry = await insertEntry(client, {
        ...base,
        matchNumber: null,
        outcome: 'invalid',
        reasonCode: parsed.code,
        reason: parsed.reason,
        deadLetter: true,
      });
      return { entry };
    }
    const { match, raw } = parsed.value;
    for (const [index, key] of CATEGORY_KEYS.entries()) {
      const listed = match.availability[key];
      if (!listed) continue;
      await insertCategoryIfMissing(client, {
        matchNumber: match.matchNumber,
        category: index + 1,
        capacity: listed.capacity,
        price: listed.priceCents / 100,
      });
    }
    const entry = await insertEntry(client, {
      ...base,
      matchNumber: match.matchNumber,
      outcome: 'loaded',
      deadLetter: false,
    });
    return { entry, match: raw };
  });
}
