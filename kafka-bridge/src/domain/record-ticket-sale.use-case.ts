import { inTransaction, type Pool, type PoolClient } from '@ticketaka/common';
import {
  advanceClock,
  consumeLots,
  copyDecidedBefore,
  dueLots,
  expireLot,
  factsCoveredBy,
  insertFact,
  insertLot,
  markFactPlaced,
} from '../data-access/hold-lots.repository';
import {
  findEntry,
  firstCopyOf,
  insertEntry,
  lockCategories,
  lockHoldings,
  positionsOf,
  saveCounts,
  type LedgerEntry,
} from '../data-access/ledger.repository';
import { decideFate } from '../data-access/own-holds.repository';
import { insertEffect } from '../data-access/tickets-effects.repository';
import { partitionForKey } from '../kafka/kafka-client';
import { categoryId, decide, type LedgerDecision } from './ledger';
import { parseSeen, verify } from './message-signature';
import { clip, decodeValue, keepValue } from './raw-message';
import {
  categoryKey,
  parseTicketSale,
  type SaleAction,
  type SaleLine,
  type TicketSale,
} from './wire-format';

/** One consumed Kafka record, as the use cases see it: raw value, sanitized key and headers. */
export interface PartnerRecord {
  topic: string;
  partition: number;
  offset: string;
  /** The record's log timestamp, ms since the epoch. */
  timestamp: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export type LedgerAlert = 'spoofed_identity' | 'unknown_own_event' | 'own_hold_expired';

export interface RecordSaleDeps {
  pool: Pool;
  /** Our platform id: signed messages carrying it are ours. */
  clientId: string;
  /** Every Ticketaka instance's id: an unsigned message naming one is a spoof. */
  ticketakaIds: ReadonlySet<string>;
  signingKey: Buffer;
  holdTtlMs: number;
  /** Partitions of the ticket-sales topic, which fixes each category's partition. */
  partitionCount: () => number;
  alert: (kind: LedgerAlert, details: Record<string, unknown>) => void;
}

/** Producers that name themselves nowhere still get one (shared) identity in the ledger. */
export const ANONYMOUS_PLATFORM = 'anonymous';
/** Where an unsigned message naming a Ticketaka instance is booked: never on that instance. */
export const spoofedPlatform = (claimed: string) => `unverified:${claimed}`;

type NewEntry = Omit<LedgerEntry, 'deadLetteredAt'>;

const signedTarget = (record: PartnerRecord) => ({
  topic: record.topic,
  partition: record.partition,
  key: record.key,
  value: record.value,
  headers: record.headers,
});

/**
 * How far this instance must have read the other partitions before it may decide this
 * record: the read positions a Ticketaka instance signed into it (empty for anything else).
 */
export function positionsRequiredBy(deps: RecordSaleDeps, record: PartnerRecord) {
  if (!record.headers.ticketakaSeen || !verify(deps.signingKey, signedTarget(record)))
    return new Map<number, bigint>();
  const seen = parseSeen(record.headers.ticketakaSeen);
  seen.delete(record.partition);
  return seen;
}

/** True once every partition is read up to the positions this record requires. */
export async function readFarEnough(deps: RecordSaleDeps, record: PartnerRecord) {
  const required = positionsRequiredBy(deps, record);
  if (required.size === 0) return true;
  const read = await positionsOf(deps.pool, record.topic);
  return [...required].every(([partition, next]) => (read.get(partition) ?? 0n) >= next);
}

/**
 * Runs one ticket-sales message through the partner ledger, once per offset: the clock and
 * hold expiry, the decision, the new counts, what tickets is owed and the fate of our own
 * hold commit together with the entry that records the offset. A redelivered offset returns
 * the stored entry and changes nothing, so effects can be retried from it.
 */
export async function recordTicketSale(
  deps: RecordSaleDeps,
  record: PartnerRecord,
): Promise<LedgerEntry> {
  return inTransaction(deps.pool, async (client) => {
    const existing = await findEntry(client, record.topic, record.partition, record.offset);
    if (existing) return existing;

    const messageKey = `${record.topic}:${record.partition}:${record.offset}`;
    const verified = verify(deps.signingKey, signedTarget(record));
    const sentAt = verified ? Number(record.headers.ticketakaSentAt) || undefined : undefined;
    const kept = keepValue(record.value);
    const base: NewEntry = {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      platform: verified ? (record.headers.clientId ?? null) : null,
      own: false,
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
      payload: kept.text,
      payloadBytes: kept.bytes,
      payloadSize: kept.size,
      payloadSha256: kept.sha256,
      payloadTruncated: kept.truncated,
      recordTimestamp: record.timestamp,
      verified,
      headers: record.headers,
      deadLetter: false,
    };

    // Every record moves the partition's clock, and held lots past their deadline end first.
    const clock = await advanceClock(
      client,
      record.topic,
      record.partition,
      Number(record.timestamp) || 0,
      sentAt,
    );
    await expireDueLots(client, deps, record, clock, messageKey);

    const decoded = decodeValue(record.value);
    if (!decoded.ok) return refuse(client, base, decoded.code, decoded.reason, 'invalid');
    const parsed = parseTicketSale(decoded.text, record.headers);
    if (!parsed.ok) return refuse(client, base, parsed.code, parsed.reason, 'invalid');
    const sale = parsed.value;

    const platform = platformOf(deps, sale, verified, record);
    const own = verified && platform === deps.clientId;
    const described: NewEntry = {
      ...base,
      platform,
      own,
      action: sale.action,
      matchNumber: sale.matchNumber,
      lines: sale.lines,
      // Our headers mean something only when signed.
      eventId: verified ? (sale.eventId ?? null) : null,
      holdId: verified ? (sale.holdId ?? null) : null,
      dedupeKey: null,
    };
    if (own && described.eventId) await alertUnknownOwnEvent(client, deps, described);

    // A signed message places the off-partition facts it saw, before it is judged itself.
    if (verified) {
      await placeFacts(client, deps, record, messageKey, clock);
    }

    const canonical = (line: SaleLine) =>
      partitionForKey(
        record.topic,
        categoryKey(sale.matchNumber, line.category),
        deps.partitionCount(),
      );
    const here = sale.lines.filter((line) => canonical(line) === record.partition);
    const elsewhere = sale.lines.filter((line) => canonical(line) !== record.partition);
    if (verified && elsewhere.length > 0) {
      // We always write to the category's partition (and sign it): this cannot be one of ours.
      return refuse(
        client,
        described,
        'off_partition',
        'a signed message off its category partition',
        'refused',
      );
    }
    // A partner that keys differently still sold: each such line waits for its agreed place.
    for (const line of elsewhere) {
      await insertFact(client, {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        category: line.category,
        canonicalPartition: canonical(line),
        platform,
        action: sale.action,
        matchNumber: sale.matchNumber,
        quantity: line.quantity,
        recordTimestamp: Number(record.timestamp) || 0,
        dedupeKey: dedupeKeyOf(sale, platform, false, canonical(line)),
      });
    }
    if (here.length === 0) {
      return insertEntry(client, {
        ...described,
        outcome: 'deferred',
        reason:
          'off its category partition: decided where the next signed Ticketaka message on that partition places it',
      });
    }

    described.dedupeKey = dedupeKeyOf(sale, platform, verified, record.partition);
    if (described.dedupeKey) {
      const first = await firstCopyOf(client, described.dedupeKey);
      if (first || (!verified && (await copyDecidedBefore(client, described.dedupeKey)))) {
        return insertEntry(client, {
          ...described,
          outcome: 'duplicate',
          reason: first
            ? `a copy of ${first.topic}:${first.partition}:${first.offset}`
            : 'a copy of a line placed earlier on this partition',
        });
      }
    }

    const decision = await judge(client, deps, {
      topic: record.topic,
      canonicalPartition: record.partition,
      platform,
      trusted: verified,
      own,
      action: sale.action,
      matchNumber: sale.matchNumber,
      lines: here,
      lotKey: (line) => (here.length === 1 ? messageKey : `${messageKey}:${line.category}`),
      effectKey: (line) =>
        sale.lines.length === 1 ? messageKey : `${messageKey}:${line.category}`,
      startsAt: sentAt ?? (Number(record.timestamp) || 0),
      at: messageKey,
    });
    if (decision.outcome === 'refused') {
      return refuse(client, described, decision.code, decision.reason, 'refused');
    }
    if (own) await settleOwnHold(client, described, decision, messageKey);
    return insertEntry(client, {
      ...described,
      outcome: decision.outcome,
      reason:
        decision.outcome === 'void'
          ? decision.reason
          : elsewhere.length > 0
            ? `lines of categories ${elsewhere.map((l) => l.category).join(', ')} deferred to their partitions`
            : null,
    });
  });
}

/**
 * Who the ledger books a message on. Signed: the signed client id. Unsigned but naming a
 * Ticketaka instance: a spoof, booked apart so it can never touch that instance's holdings.
 * Otherwise the partner it names (header, else meta / body), or the shared anonymous identity.
 */
function platformOf(
  deps: RecordSaleDeps,
  sale: TicketSale,
  verified: boolean,
  record: PartnerRecord,
): string {
  if (verified && record.headers.clientId) return record.headers.clientId;
  const claimed = sale.producer;
  if (claimed && deps.ticketakaIds.has(claimed)) {
    deps.alert('spoofed_identity', {
      claimed,
      source: `${record.topic}:${record.partition}:${record.offset}`,
      eventId: sale.eventId,
    });
    return spoofedPlatform(claimed);
  }
  if (claimed?.startsWith('unverified:')) return claimed;
  return claimed ?? ANONYMOUS_PLATFORM;
}

/**
 * Our event id (signed), else a partner's numeric body.id per action, scoped to the partition
 * that decides it: copies on several partitions are then told apart in one shared order.
 */
function dedupeKeyOf(
  sale: TicketSale,
  platform: string,
  verified: boolean,
  homePartition: number,
): string | null {
  if (verified && sale.eventId) return `event:${platform}:${sale.eventId}`;
  if (sale.bodyId !== undefined)
    return `id:${platform}:${sale.action}:${sale.bodyId}@${homePartition}`;
  return null;
}

/** A signed message of ours that this installation never sent: a leaked key or a lost database. */
async function alertUnknownOwnEvent(client: PoolClient, deps: RecordSaleDeps, entry: NewEntry) {
  const { rowCount } = await client.query('SELECT 1 FROM outbound_messages WHERE event_id = $1', [
    entry.eventId,
  ]);
  if ((rowCount ?? 0) === 0)
    deps.alert('unknown_own_event', { eventId: entry.eventId, source: entry.messageKey });
}

interface Judged {
  topic: string;
  canonicalPartition: number;
  platform: string;
  trusted: boolean;
  own: boolean;
  action: SaleAction;
  matchNumber: number;
  lines: SaleLine[];
  lotKey: (line: SaleLine) => string;
  effectKey: (line: SaleLine) => string;
  startsAt: number;
  at: string;
}

/** The ledger's rule at this point of the category's order, with its lots and tickets' effects. */
async function judge(client: PoolClient, deps: RecordSaleDeps, j: Judged): Promise<LedgerDecision> {
  const categories = j.lines.map((l) => l.category);
  const step = decide(
    { action: j.action, platform: j.platform, matchNumber: j.matchNumber, lines: j.lines },
    await lockCategories(client, j.matchNumber, categories),
    await lockHoldings(client, j.platform, j.matchNumber, categories),
  );
  await saveCounts(client, step.categories, step.holdings);
  const { decision } = step;
  for (const line of j.lines) {
    if (decision.outcome === 'granted') {
      await insertLot(client, {
        lotKey: j.lotKey(line),
        topic: j.topic,
        canonicalPartition: j.canonicalPartition,
        platform: j.platform,
        matchNumber: j.matchNumber,
        category: line.category,
        trusted: j.trusted,
        quantity: line.quantity,
        startsAt: j.startsAt,
        expiresAt: j.startsAt + deps.holdTtlMs,
      });
    } else if (decision.outcome === 'applied') {
      await consumeLots(
        client,
        { platform: j.platform, matchNumber: j.matchNumber, category: line.category },
        line.quantity,
        j.action === 'TICKET_RESERVED' ? 'reserved' : 'cancelled',
        j.at,
      );
    }
    if ((decision.outcome === 'granted' || decision.outcome === 'applied') && !j.own) {
      await insertEffect(client, {
        messageKey: j.effectKey(line),
        action: j.action,
        matchNumber: j.matchNumber,
        category: line.category,
        quantity: line.quantity,
      });
    }
  }
  return decision;
}

/**
 * Off-partition facts covered by the read positions a Ticketaka instance signed into this
 * message are decided now, right before it, in (partition, offset, category) order: every
 * instance reads the same positions from the log, so every instance places them alike.
 */
async function placeFacts(
  client: PoolClient,
  deps: RecordSaleDeps,
  record: PartnerRecord,
  messageKey: string,
  clock: { log: number; trusted: number },
) {
  const seen = parseSeen(record.headers.ticketakaSeen);
  seen.delete(record.partition);
  const facts = await factsCoveredBy(client, record.topic, record.partition, seen);
  for (const fact of facts) {
    const factKey = `${fact.topic}:${fact.partition}:${fact.offset}:${fact.category}`;
    if (fact.dedupeKey && (await copyDecidedBefore(client, fact.dedupeKey, fact))) {
      await markFactPlaced(client, fact, messageKey, 'duplicate', 'a copy decided earlier');
      continue;
    }
    // A fact placed after its own deadline has nothing left to hold.
    const decision = await judge(client, deps, {
      topic: fact.topic,
      canonicalPartition: record.partition,
      platform: fact.platform,
      trusted: false,
      own: false,
      action: fact.action,
      matchNumber: fact.matchNumber,
      lines: [{ category: fact.category, quantity: fact.quantity }],
      lotKey: () => factKey,
      effectKey: () => factKey,
      startsAt: fact.recordTimestamp,
      at: messageKey,
    });
    await markFactPlaced(
      client,
      fact,
      messageKey,
      decision.outcome,
      decision.outcome === 'void' || decision.outcome === 'refused' ? decision.reason : null,
    );
  }
  if (facts.length > 0) await expireDueLots(client, deps, record, clock, messageKey);
}

/** Held lots whose deadline this partition's clock has passed are released, for everyone alike. */
async function expireDueLots(
  client: PoolClient,
  deps: RecordSaleDeps,
  record: PartnerRecord,
  clock: { log: number; trusted: number },
  at: string,
) {
  for (const lot of await dueLots(client, record.topic, record.partition, clock)) {
    const counts = await lockCategories(client, lot.matchNumber, [lot.category]);
    const holdings = await lockHoldings(client, lot.platform, lot.matchNumber, [lot.category]);
    const id = categoryId(lot.matchNumber, lot.category);
    const category = counts.get(id);
    const holding = holdings.get(id);
    const released = Math.min(lot.remaining, holding?.held ?? 0);
    if (category && holding && released > 0) {
      await saveCounts(
        client,
        [{ ...category, pending: category.pending + released }],
        [{ ...holding, held: holding.held - released }],
      );
      if (lot.platform !== deps.clientId) {
        await insertEffect(client, {
          messageKey: `expire:${lot.lotKey}`,
          action: 'TICKET_CANCELLED',
          matchNumber: lot.matchNumber,
          category: lot.category,
          quantity: released,
        });
      } else {
        deps.alert('own_hold_expired', { lot: lot.lotKey, quantity: released });
      }
    }
    await expireLot(client, lot.lotKey, at);
  }
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
  // A signed PENDING of ours that the ledger cannot grant is void for every platform.
  if (entry.own && entry.holdId && entry.action === 'TICKET_PENDING') {
    await decideFate(
      client,
      entry.holdId,
      'void',
      `${code}: ${reason}`,
      entry.messageKey as string,
    );
  }
  return insertEntry(client, {
    ...entry,
    outcome,
    reasonCode: code,
    reason: clip(reason),
    deadLetter: true,
  });
}

/**
 * The minimal record of a message that failed for a deterministic reason even so (a
 * constraint, a value PostgreSQL refuses): no payload, so it always stores, and the
 * partition moves on.
 */
export async function recordUnstorable(
  pool: Pool,
  record: PartnerRecord,
  failure: unknown,
): Promise<LedgerEntry> {
  return inTransaction(pool, async (client) => {
    const existing = await findEntry(client, record.topic, record.partition, record.offset);
    if (existing) return existing;
    const kept = keepValue(record.value);
    return insertEntry(client, {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      platform: null,
      own: false,
      action: null,
      matchNumber: null,
      lines: null,
      outcome: 'invalid',
      reasonCode: 'unstorable',
      reason: clip(`could not be recorded: ${(failure as Error)?.message ?? String(failure)}`),
      dedupeKey: null,
      eventId: null,
      holdId: null,
      messageKey: `${record.topic}:${record.partition}:${record.offset}`,
      payload: null,
      payloadBytes: kept.bytes,
      payloadSize: kept.size,
      payloadSha256: kept.sha256,
      payloadTruncated: kept.truncated,
      recordTimestamp: record.timestamp,
      verified: false,
      headers: {},
      deadLetter: true,
    });
  });
}
