import type { Pool, PoolClient } from '@ticketaka/common';

export interface HoldLot {
  lotKey: string;
  platform: string;
  matchNumber: number;
  category: number;
  trusted: boolean;
  remaining: number;
  expiresAt: number;
}

interface LotRow {
  lot_key: string;
  platform: string;
  match_number: number;
  category: number;
  trusted: boolean;
  remaining: number;
  expires_at: string;
}

const toLot = (r: LotRow): HoldLot => ({
  lotKey: r.lot_key,
  platform: r.platform,
  matchNumber: r.match_number,
  category: r.category,
  trusted: r.trusted,
  remaining: r.remaining,
  expiresAt: Number(r.expires_at),
});

export async function insertLot(
  client: PoolClient,
  lot: Omit<HoldLot, 'remaining'> & {
    topic: string;
    canonicalPartition: number;
    quantity: number;
    startsAt: number;
  },
): Promise<void> {
  await client.query(
    `INSERT INTO ledger_hold_lots (lot_key, topic, canonical_partition, platform, match_number, category,
       trusted, quantity, remaining, starts_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) ON CONFLICT DO NOTHING`,
    [
      lot.lotKey,
      lot.topic,
      lot.canonicalPartition,
      lot.platform,
      lot.matchNumber,
      lot.category,
      lot.trusted,
      lot.quantity,
      lot.startsAt,
      lot.expiresAt,
    ],
  );
}

/** A sale or release takes from the platform's oldest lots first. */
export async function consumeLots(
  client: PoolClient,
  at: { platform: string; matchNumber: number; category: number },
  quantity: number,
  how: 'reserved' | 'cancelled',
  by: string,
): Promise<void> {
  const { rows } = await client.query<LotRow>(
    `SELECT * FROM ledger_hold_lots WHERE platform = $1 AND match_number = $2 AND category = $3 AND remaining > 0
     ORDER BY starts_at, lot_key FOR UPDATE`,
    [at.platform, at.matchNumber, at.category],
  );
  let left = quantity;
  for (const row of rows) {
    if (left === 0) break;
    const take = Math.min(left, row.remaining);
    left -= take;
    await client.query(
      `UPDATE ledger_hold_lots SET remaining = remaining - $2,
         ended = CASE WHEN remaining - $2 = 0 THEN $3 ELSE ended END,
         ended_at = CASE WHEN remaining - $2 = 0 THEN $4 ELSE ended_at END
       WHERE lot_key = $1`,
      [row.lot_key, take, how, by],
    );
  }
}

/**
 * Lots of the categories this partition orders whose deadline the partition's clock has
 * passed: a partner's by the log clock, a Ticketaka instance's by signed time only.
 */
export async function dueLots(
  client: PoolClient,
  topic: string,
  partition: number,
  clock: { log: number; trusted: number },
): Promise<HoldLot[]> {
  const { rows } = await client.query<LotRow>(
    `SELECT * FROM ledger_hold_lots
     WHERE topic = $1 AND canonical_partition = $2 AND remaining > 0
       AND expires_at <= CASE WHEN trusted THEN $4::bigint ELSE $3::bigint END
     ORDER BY expires_at, lot_key FOR UPDATE`,
    [topic, partition, clock.log, clock.trusted],
  );
  return rows.map(toLot);
}

export async function expireLot(client: PoolClient, lotKey: string, by: string): Promise<void> {
  await client.query(
    `UPDATE ledger_hold_lots SET remaining = 0, ended = 'expired', ended_at = $2 WHERE lot_key = $1`,
    [lotKey, by],
  );
}

/** Advances the partition's clocks with one record and returns them. */
export async function advanceClock(
  client: PoolClient,
  topic: string,
  partition: number,
  recordTimestamp: number,
  signedSentAt: number | undefined,
): Promise<{ log: number; trusted: number }> {
  const { rows } = await client.query<{ log_clock: string; trusted_clock: string }>(
    `INSERT INTO partition_clocks (topic, "partition", log_clock, trusted_clock) VALUES ($1, $2, $3, $4)
     ON CONFLICT (topic, "partition") DO UPDATE SET
       log_clock = GREATEST(partition_clocks.log_clock, EXCLUDED.log_clock),
       trusted_clock = GREATEST(partition_clocks.trusted_clock, EXCLUDED.trusted_clock)
     RETURNING log_clock, trusted_clock`,
    [topic, partition, recordTimestamp, signedSentAt ?? 0],
  );
  const row = rows[0] as { log_clock: string; trusted_clock: string };
  return { log: Number(row.log_clock), trusted: Number(row.trusted_clock) };
}

export interface LedgerFact {
  topic: string;
  partition: number;
  offset: string;
  category: number;
  canonicalPartition: number;
  platform: string;
  action: 'TICKET_PENDING' | 'TICKET_RESERVED' | 'TICKET_CANCELLED';
  matchNumber: number;
  quantity: number;
  recordTimestamp: number;
  /** A partner's body.id, scoped to the home partition (see copyDecidedBefore). */
  dedupeKey: string | null;
}

export async function insertFact(client: PoolClient, fact: LedgerFact): Promise<void> {
  await client.query(
    `INSERT INTO ledger_facts (topic, "partition", "offset", category, canonical_partition, platform, action,
       match_number, quantity, record_timestamp, dedupe_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
    [
      fact.topic,
      fact.partition,
      fact.offset,
      fact.category,
      fact.canonicalPartition,
      fact.platform,
      fact.action,
      fact.matchNumber,
      fact.quantity,
      fact.recordTimestamp,
      fact.dedupeKey,
    ],
  );
}

/**
 * Whether a copy (same body.id key) was already decided on this key's home partition: as a
 * message judged there, or as a line placed there (other lines of the same message excepted).
 * Only the home partition's handler decides such keys, so "already" means earlier in its order.
 */
export async function copyDecidedBefore(
  client: PoolClient,
  dedupeKey: string,
  source?: { partition: number; offset: string },
): Promise<boolean> {
  const { rowCount } = await client.query(
    `SELECT 1 FROM ledger_entries WHERE dedupe_key = $1 AND outcome <> 'duplicate'
     UNION ALL
     SELECT 1 FROM ledger_facts WHERE dedupe_key = $1 AND placed_before IS NOT NULL AND outcome <> 'duplicate'
       AND NOT ("partition" = $2 AND "offset" = $3)
     LIMIT 1`,
    [dedupeKey, source?.partition ?? -1, source?.offset ?? -1],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * The facts a signed message with these read positions places, in the one order every
 * instance uses: source partition, then offset, then category.
 */
export async function factsCoveredBy(
  client: PoolClient,
  topic: string,
  canonicalPartition: number,
  seen: ReadonlyMap<number, bigint>,
): Promise<LedgerFact[]> {
  if (seen.size === 0) return [];
  const partitions = [...seen.keys()];
  const offsets = partitions.map((p) => String(seen.get(p)));
  const { rows } = await client.query<{
    topic: string;
    partition: number;
    offset: string;
    category: number;
    canonical_partition: number;
    platform: string;
    action: LedgerFact['action'];
    match_number: number;
    quantity: number;
    record_timestamp: string;
    dedupe_key: string | null;
  }>(
    `SELECT f.* FROM ledger_facts f
     JOIN unnest($3::int[], $4::bigint[]) AS s(p, next_offset) ON s.p = f."partition"
     WHERE f.topic = $1 AND f.canonical_partition = $2 AND f.placed_before IS NULL AND f."offset" < s.next_offset
     ORDER BY f."partition", f."offset", f.category FOR UPDATE OF f`,
    [topic, canonicalPartition, partitions, offsets],
  );
  return rows.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    category: r.category,
    canonicalPartition: r.canonical_partition,
    platform: r.platform,
    action: r.action,
    matchNumber: r.match_number,
    quantity: r.quantity,
    recordTimestamp: Number(r.record_timestamp),
    dedupeKey: r.dedupe_key,
  }));
}

export async function markFactPlaced(
  client: PoolClient,
  fact: Pick<LedgerFact, 'topic' | 'partition' | 'offset' | 'category'>,
  placedBefore: string,
  outcome: string,
  reason: string | null,
): Promise<void> {
  await client.query(
    `UPDATE ledger_facts SET placed_before = $5, outcome = $6, reason = $7
     WHERE topic = $1 AND "partition" = $2 AND "offset" = $3 AND category = $4`,
    [fact.topic, fact.partition, fact.offset, fact.category, placedBefore, outcome, reason],
  );
}

export async function unplacedFacts(client: PoolClient | Pool) {
  const { rows } = await client.query<{ n: string }>(
    'SELECT count(*) AS n FROM ledger_facts WHERE placed_before IS NULL',
  );
  return Number(rows[0]?.n ?? 0);
}
