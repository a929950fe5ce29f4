import type { Pool, PoolClient } from '@ticketaka/common';
import { categoryId, type CategoryCounts, type Holding } from '../domain/ledger';
import type { SaleLine } from '../domain/wire-format';

type Db = Pool | PoolClient;

export type EntryOutcome =
  'loaded' | 'granted' | 'void' | 'applied' | 'duplicate' | 'refused' | 'invalid' | 'deferred';

export interface LedgerEntry {
  topic: string;
  partition: number;
  offset: string;
  platform: string | null;
  own: boolean;
  action: string | null;
  matchNumber: number | null;
  lines: SaleLine[] | null;
  outcome: EntryOutcome;
  reasonCode: string | null;
  reason: string | null;
  dedupeKey: string | null;
  eventId: string | null;
  holdId: string | null;
  messageKey: string | null;
  /** The value as text, only when it is clean UTF-8 (no NUL) and kept whole. */
  payload: string | null;
  /** The first bytes of the raw value, whatever they are (raw-message.ts). */
  payloadBytes: Buffer | null;
  payloadSize: number | null;
  payloadSha256: string | null;
  payloadTruncated: boolean;
  recordTimestamp: string | null;
  verified: boolean;
  /** Sanitized: clean text, or `base64:` for anything else. */
  headers: Record<string, string>;
  deadLetter: boolean;
  deadLetteredAt: Date | null;
}

interface EntryRow {
  topic: string;
  partition: number;
  offset: string;
  platform: string | null;
  own: boolean;
  action: string | null;
  match_number: number | null;
  lines: SaleLine[] | null;
  outcome: EntryOutcome;
  reason_code: string | null;
  reason: string | null;
  dedupe_key: string | null;
  event_id: string | null;
  hold_id: string | null;
  message_key: string | null;
  payload: string | null;
  payload_bytes: Buffer | null;
  payload_size: number | null;
  payload_sha256: string | null;
  payload_truncated: boolean;
  record_timestamp: string | null;
  verified: boolean;
  headers: Record<string, string>;
  dead_letter: boolean;
  dead_lettered_at: Date | null;
}

const toEntry = (row: EntryRow): LedgerEntry => ({
  topic: row.topic,
  partition: row.partition,
  offset: row.offset,
  platform: row.platform,
  own: row.own,
  action: row.action,
  matchNumber: row.match_number,
  lines: row.lines,
  outcome: row.outcome,
  reasonCode: row.reason_code,
  reason: row.reason,
  dedupeKey: row.dedupe_key,
  eventId: row.event_id,
  holdId: row.hold_id,
  messageKey: row.message_key,
  payload: row.payload,
  payloadBytes: row.payload_bytes,
  payloadSize: row.payload_size,
  payloadSha256: row.payload_sha256,
  payloadTruncated: row.payload_truncated,
  recordTimestamp: row.record_timestamp,
  verified: row.verified,
  headers: row.headers,
  deadLetter: row.dead_letter,
  deadLetteredAt: row.dead_lettered_at,
});

export async function ledgerId(db: Db): Promise<string> {
  const { rows } = await db.query<{ ledger_id: string }>('SELECT ledger_id FROM bridge_identity');
  if (!rows[0]) throw new Error('bridge_identity is empty: the migrations did not run');
  return rows[0].ledger_id;
}

export async function findEntry(
  db: Db,
  topic: string,
  partition: number,
  offset: string,
): Promise<LedgerEntry | undefined> {
  const { rows } = await db.query<EntryRow>(
    'SELECT * FROM ledger_entries WHERE topic = $1 AND "partition" = $2 AND "offset" = $3',
    [topic, partition, offset],
  );
  return rows[0] && toEntry(rows[0]);
}

export async function insertEntry(
  client: PoolClient,
  entry: Omit<LedgerEntry, 'deadLetteredAt'>,
): Promise<LedgerEntry> {
  const { rows } = await client.query<EntryRow>(
    `INSERT INTO ledger_entries (topic, "partition", "offset", platform, own, action, match_number, lines, outcome,
       reason_code, reason, dedupe_key, event_id, hold_id, message_key, payload, headers, dead_letter,
       payload_bytes, payload_size, payload_sha256, payload_truncated, record_timestamp, verified)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
       $19, $20, $21, $22, $23, $24)
     RETURNING *`,
    [
      entry.topic,
      entry.partition,
      entry.offset,
      entry.platform,
      entry.own,
      entry.action,
      entry.matchNumber,
      entry.lines === null ? null : JSON.stringify(entry.lines),
      entry.outcome,
      entry.reasonCode,
      entry.reason,
      entry.dedupeKey,
      entry.eventId,
      entry.holdId,
      entry.messageKey,
      entry.payload,
      JSON.stringify(entry.headers),
      entry.deadLetter,
      entry.payloadBytes,
      entry.payloadSize,
      entry.payloadSha256,
      entry.payloadTruncated,
      entry.recordTimestamp,
      entry.verified,
    ],
  );
  await client.query(
    `INSERT INTO partition_positions (topic, "partition", next_offset) VALUES ($1, $2, $3 + 1)
     ON CONFLICT (topic, "partition") DO UPDATE SET next_offset = GREATEST(partition_positions.next_offset, EXCLUDED.next_offset)`,
    [entry.topic, entry.partition, entry.offset],
  );
  return toEntry(rows[0] as EntryRow);
}

/** The first copy of a message that carries a dedupe key (our event id, a partner's body.id). */
export async function firstCopyOf(db: Db, dedupeKey: string): Promise<LedgerEntry | undefined> {
  const { rows } = await db.query<EntryRow>(
    "SELECT * FROM ledger_entries WHERE dedupe_key = $1 AND outcome <> 'duplicate'",
    [dedupeKey],
  );
  return rows[0] && toEntry(rows[0]);
}

export async function markDeadLettered(
  db: Db,
  entry: Pick<LedgerEntry, 'topic' | 'partition' | 'offset'>,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE ledger_entries SET dead_lettered_at = now()
     WHERE topic = $1 AND "partition" = $2 AND "offset" = $3 AND dead_lettered_at IS NULL`,
    [entry.topic, entry.partition, entry.offset],
  );
  return (rowCount ?? 0) > 0;
}

/** Next offset to read per partition (0 for a partition never read). */
export async function positionsOf(db: Db, topic: string): Promise<Map<number, bigint>> {
  const { rows } = await db.query<{ partition: number; next_offset: string }>(
    'SELECT "partition", next_offset FROM partition_positions WHERE topic = $1',
    [topic],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}

interface CategoryRow {
  match_number: number;
  category: number;
  capacity: number;
  available: number;
  pending: number;
  price: string;
}

export async function insertCategoryIfMissing(
  client: PoolClient,
  row: { matchNumber: number; category: number; capacity: number; price: number },
): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO ledger_categories (match_number, category, price, capacity, available, pending)
     VALUES ($1, $2, $3, $4, $4, $4) ON CONFLICT DO NOTHING`,
    [row.matchNumber, row.category, row.price, row.capacity],
  );
  return (rowCount ?? 0) > 0;
}

/** Locks the categories in category order, so concurrent writers never deadlock. */
export async function lockCategories(
  client: PoolClient,
  matchNumber: number,
  categories: number[],
): Promise<Map<string, CategoryCounts>> {
  const { rows } = await client.query<CategoryRow>(
    `SELECT * FROM ledger_categories WHERE match_number = $1 AND category = ANY($2::smallint[])
     ORDER BY category FOR UPDATE`,
    [matchNumber, categories],
  );
  return new Map(
    rows.map((r) => [
      categoryId(r.match_number, r.category),
      {
        matchNumber: r.match_number,
        category: r.category,
        capacity: r.capacity,
        available: r.available,
        pending: r.pending,
      },
    ]),
  );
}

export async function lockHoldings(
  client: PoolClient,
  platform: string,
  matchNumber: number,
  categories: number[],
): Promise<Map<string, Holding>> {
  const { rows } = await client.query<{
    platform: string;
    match_number: number;
    category: number;
    held: number;
    sold: number;
  }>(
    `SELECT * FROM ledger_holdings WHERE platform = $1 AND match_number = $2 AND category = ANY($3::smallint[])
     ORDER BY category FOR UPDATE`,
    [platform, matchNumber, categories],
  );
  return new Map(
    rows.map((r) => [
      categoryId(r.match_number, r.category),
      {
        platform: r.platform,
        matchNumber: r.match_number,
        category: r.category,
        held: r.held,
        sold: r.sold,
      },
    ]),
  );
}

export async function saveCounts(
  client: PoolClient,
  counts: CategoryCounts[],
  holdings: Holding[],
): Promise<void> {
  for (const c of counts) {
    await client.query(
      `UPDATE ledger_categories SET available = $3, pending = $4, updated_at = now()
       WHERE match_number = $1 AND category = $2`,
      [c.matchNumber, c.category, c.available, c.pending],
    );
  }
  for (const h of holdings) {
    await client.query(
      `INSERT INTO ledger_holdings (platform, match_number, category, held, sold) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (platform, match_number, category) DO UPDATE SET held = EXCLUDED.held, sold = EXCLUDED.sold`,
      [h.platform, h.matchNumber, h.category, h.held, h.sold],
    );
  }
}

/** Whole currency units, as partners expect them in `tickets.price`. */
export async function categoryPrice(
  db: Db,
  matchNumber: number,
  category: number,
): Promise<number | undefined> {
  const { rows } = await db.query<{ price: string }>(
    'SELECT price FROM ledger_categories WHERE match_number = $1 AND category = $2',
    [matchNumber, category],
  );
  return rows[0] ? Number(rows[0].price) : undefined;
}

export async function ledgerCounts(db: Db, matchNumber?: number) {
  const { rows } = await db.query<CategoryRow>(
    `SELECT * FROM ledger_categories WHERE $1::integer IS NULL OR match_number = $1 ORDER BY match_number, category`,
    [matchNumber ?? null],
  );
  return rows.map((r) => ({
    matchNumber: r.match_number,
    category: r.category,
    capacity: r.capacity,
    available: r.available,
    pending: r.pending,
    price: Number(r.price),
  }));
}

export async function ledgerHoldings(db: Db, matchNumber?: number) {
  const { rows } = await db.query<{
    platform: string;
    match_number: number;
    category: number;
    held: number;
    sold: number;
  }>(
    `SELECT * FROM ledger_holdings WHERE $1::integer IS NULL OR match_number = $1 ORDER BY match_number, category, platform`,
    [matchNumber ?? null],
  );
  return rows.map((r) => ({
    platform: r.platform,
    matchNumber: r.match_number,
    category: r.category,
    held: r.held,
    sold: r.sold,
  }));
}

export async function outcomeCounts(db: Db): Promise<Record<string, number>> {
  const { rows } = await db.query<{ outcome: string; n: string }>(
    'SELECT outcome, count(*) AS n FROM ledger_entries GROUP BY outcome',
  );
  return Object.fromEntries(rows.map((r) => [r.outcome, Number(r.n)]));
}

/** Marks a recorded message for the dead-letter topic after the fact (tickets refused its effect). */
export async function flagDeadLetter(
  db: Db,
  at: Pick<LedgerEntry, 'topic' | 'partition' | 'offset'>,
  reasonCode: string,
  reason: string,
): Promise<LedgerEntry> {
  const { rows } = await db.query<EntryRow>(
    `UPDATE ledger_entries SET dead_letter = true, reason_code = $4, reason = $5
     WHERE topic = $1 AND "partition" = $2 AND "offset" = $3 RETURNING *`,
    [at.topic, at.partition, at.offset, reasonCode, reason],
  );
  if (!rows[0]) throw new Error(`no ledger entry at ${at.topic}:${at.partition}:${at.offset}`);
  return toEntry(rows[0]);
}
