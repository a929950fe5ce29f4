import type { PoolClient } from '@ticketaka/common';
import type { AggregateDeltas } from '../domain/aggregate-projection';

const split = (key: string) => key.split('|') as [string, string];

/** Applies one batch's deltas in the ingest transaction (a few set-based statements). */
export async function applyDeltas(client: PoolClient, d: AggregateDeltas): Promise<void> {
  if (d.eventCounts.size) {
    const rows = [...d.eventCounts];
    await client.query(
      `INSERT INTO event_counts (type, count, last_occurred_at)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[])
       ON CONFLICT (type) DO UPDATE SET count = event_counts.count + EXCLUDED.count,
         last_occurred_at = GREATEST(event_counts.last_occurred_at, EXCLUDED.last_occurred_at)`,
      [rows.map((r) => r[0]), rows.map((r) => r[1].count), rows.map((r) => r[1].last)],
    );
  }
  for (const m of d.matches.values()) {
    await client.query(
      `INSERT INTO matches AS m (match_number, round_number, kick_off, venue, home_team, away_team, group_name, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (match_number) DO UPDATE SET round_number = EXCLUDED.round_number,
         kick_off = EXCLUDED.kick_off, venue = EXCLUDED.venue, home_team = EXCLUDED.home_team,
         away_team = EXCLUDED.away_team, group_name = EXCLUDED.group_name, version = EXCLUDED.version
       WHERE m.version < EXCLUDED.version`,
      [
        m.matchNumber,
        m.roundNumber,
        m.kickOff,
        m.venue,
        m.homeTeam,
        m.awayTeam,
        m.group,
        m.version,
      ],
    );
  }
  for (const i of d.inventory.values()) {
    await client.query(
      `INSERT INTO category_stats AS c (match_number, category, capacity, available, pending,
         price_cents, currency, state, inventory_version, sold_out_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $8 = 'sold_out' THEN $10::timestamptz END)
       ON CONFLICT (match_number, category) DO UPDATE SET capacity = EXCLUDED.capacity,
         available = EXCLUDED.available, pending = EXCLUDED.pending,
         price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency, state = EXCLUDED.state,
         inventory_version = EXCLUDED.inventory_version,
         sold_out_at = COALESCE(c.sold_out_at, EXCLUDED.sold_out_at)
       WHERE c.inventory_version < EXCLUDED.inventory_version`,
      [
        i.matchNumber,
        i.category,
        i.capacity,
        i.available,
        i.pending,
        i.priceCents,
        i.currency,
        i.state,
        i.version,
        i.at,
      ],
    );
  }
  if (d.categories.size) {
    const rows = [...d.categories.values()];
    await client.query(
      `INSERT INTO category_stats AS c (match_number, category, held, sold, revenue_cents, first_hold_at)
       SELECT * FROM unnest($1::int[], $2::smallint[], $3::int[], $4::int[], $5::bigint[], $6::timestamptz[])
       ON CONFLICT (match_number, category) DO UPDATE SET held = c.held + EXCLUDED.held,
         sold = c.sold + EXCLUDED.sold, revenue_cents = c.revenue_cents + EXCLUDED.revenue_cents,
         first_hold_at = LEAST(c.first_hold_at, EXCLUDED.first_hold_at)`,
      [
        rows.map((r) => r.matchNumber),
        rows.map((r) => r.category),
        rows.map((r) => r.held),
        rows.map((r) => r.sold),
        rows.map((r) => r.revenueCents),
        rows.map((r) => r.firstHoldAt),
      ],
    );
  }
  await addCounts(client, 'funnel', ['stage', 'reason'], d.funnel);
  if (d.timeline.size) {
    const rows = [...d.timeline].map(([k, n]) => [...split(k), n] as const);
    await client.query(
      `INSERT INTO orders_timeline (bucket, status, count)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::bigint[])
       ON CONFLICT (bucket, status) DO UPDATE SET count = orders_timeline.count + EXCLUDED.count`,
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
    );
  }
  if (d.money.size) {
    const rows = [...d.money];
    await client.query(
      `INSERT INTO money (kind, count, amount_cents)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
       ON CONFLICT (kind) DO UPDATE SET count = money.count + EXCLUDED.count,
         amount_cents = money.amount_cents + EXCLUDED.amount_cents`,
      [rows.map((r) => r[0]), rows.map((r) => r[1].count), rows.map((r) => r[1].amountCents)],
    );
  }
  await addCounts(client, 'dead_letters', ['consumer', 'subject'], d.deadLetters);
  await addCounts(client, 'security_verdicts', ['kind', 'reason'], d.verdicts);
  if (d.fans.size) {
    const rows = [...d.fans];
    await client.query(
      `INSERT INTO fans (user_id, country) SELECT * FROM unnest($1::uuid[], $2::text[])
       ON CONFLICT (user_id) DO UPDATE SET country = EXCLUDED.country`,
      [rows.map((r) => r[0]), rows.map((r) => r[1])],
    );
  }
  if (d.purchases.size) {
    const rows = [...d.purchases].map(([k, n]) => [...split(k), n] as const);
    await client.query(
      `INSERT INTO fan_purchases (user_id, match_number, quantity)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[])
       ON CONFLICT (user_id, match_number) DO UPDATE SET quantity = fan_purchases.quantity + EXCLUDED.quantity`,
      [rows.map((r) => r[0]), rows.map((r) => Number(r[1])), rows.map((r) => r[2])],
    );
  }
}

async function addCounts(
  client: PoolClient,
  table: 'funnel' | 'dead_letters' | 'security_verdicts',
  keys: [string, string],
  counts: Map<string, number>,
) {
  if (!counts.size) return;
  const rows = [...counts].map(([k, n]) => [...split(k), n] as const);
  await client.query(
    `INSERT INTO ${table} (${keys[0]}, ${keys[1]}, count)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
     ON CONFLICT (${keys[0]}, ${keys[1]}) DO UPDATE SET count = ${table}.count + EXCLUDED.count`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
  );
}
