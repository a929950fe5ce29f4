import type { KeyObject } from 'node:crypto';
import { inTransaction, type Pool } from '@ticketaka/common';
import {
  findEntry,
  insertCategoryIfMissing,
  insertEntry,
  type LedgerEntry,
} from '../data-access/ledger.repository';
import { ORGANISER_SIGNATURE_HEADER, verifyOrganiser } from './message-signature';
import { clip, decodeValue, keepValue } from './raw-message';
import type { PartnerRecord } from './record-ticket-sale.use-case';
import { parseMasterListMatch, type RefusalCode } from './wire-format';

const CATEGORY_KEYS = ['category1', 'category2', 'category3'] as const;

/**
 * What a venue, team or group name may contain: letters (any script, with accents), digits,
 * spaces and the punctuation real names use. No markup, no control characters.
 */
const SAFE_TEXT = /^[\p{L}\p{M}\p{N} .,'’()&/-]{1,100}$/u;

export interface MasterListTrust {
  /** The organiser's Ed25519 key; undefined = the topic's ACLs are the trust (`acl`). */
  organiserKey: KeyObject | undefined;
}

/**
 * Starts the ledger's counts of one master-list match, once per offset, if the organiser
 * wrote it. The first listing of a category wins, like in tickets: the capacity is its
 * `available` (or the older `count`), and a repeated or re-published match changes no count,
 * since sales may already be counted. Anything not signed by the organiser (with `signature`
 * trust), or with names outside the safe set, is refused and changes nothing anywhere.
 */
export async function recordMasterListMatch(
  pool: Pool,
  trust: MasterListTrust,
  record: PartnerRecord,
): Promise<{ entry: LedgerEntry; match?: unknown }> {
  const kept = keepValue(record.value);
  const checked = check(trust, record);
  return inTransaction(pool, async (client) => {
    const existing = await findEntry(client, record.topic, record.partition, record.offset);
    if (existing) return { entry: existing, match: checked.ok ? checked.raw : undefined };
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
      payload: kept.text,
      payloadBytes: kept.bytes,
      payloadSize: kept.size,
      payloadSha256: kept.sha256,
      payloadTruncated: kept.truncated,
      recordTimestamp: record.timestamp,
      verified: checked.ok && trust.organiserKey !== undefined,
      headers: record.headers,
    };
    if (!checked.ok) {
      const entry = await insertEntry(client, {
        ...base,
        matchNumber: null,
        outcome: 'invalid',
        reasonCode: checked.code,
        reason: clip(checked.reason),
        deadLetter: true,
      });
      return { entry };
    }
    const { match, raw } = checked;
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

type Checked =
  | {
      ok: true;
      match: NonNullable<
        Extract<ReturnType<typeof parseMasterListMatch>, { ok: true }>['value']
      >['match'];
      raw: unknown;
    }
  | { ok: false; code: RefusalCode; reason: string };

function check(trust: MasterListTrust, record: PartnerRecord): Checked {
  if (
    trust.organiserKey &&
    !verifyOrganiser(trust.organiserKey, {
      topic: record.topic,
      key: record.key,
      value: record.value,
      signature: record.headers[ORGANISER_SIGNATURE_HEADER],
    })
  ) {
    return {
      ok: false,
      code: 'not_organiser',
      reason: "not signed with the organiser's key: only the organiser writes the master list",
    };
  }
  const decoded = decodeValue(record.value);
  if (!decoded.ok) return decoded;
  const parsed = parseMasterListMatch(decoded.text);
  if (!parsed.ok) return parsed;
  const { match } = parsed.value;
  for (const [field, text] of [
    ['location', match.location],
    ['homeTeam', match.homeTeam],
    ['awayTeam', match.awayTeam],
    ['group', match.group],
  ] as const) {
    if (text !== null && !SAFE_TEXT.test(text)) {
      return {
        ok: false,
        code: 'unsafe_text',
        reason: `${field}: only letters, digits, spaces and . , ' ( ) & / - are accepted`,
      };
    }
  }
  return { ok: true, match, raw: parsed.value.raw };
}
