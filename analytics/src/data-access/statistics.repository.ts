import type { Pool } from '@ticketaka/common';

export async function readCategoryRows(pool: Pool) {
  const { rows } = await pool.query<{
    match_number: number;
    category: number;
    capacity: number;
    available: number;
    pending: number;
    price_cents: number;
    currency: string;
    state: 'available' | 'temporarily_unavailable' | 'sold_out';
    held: number;
    sold: number;
    revenue_cents: string;
    first_hold_at: Date | null;
    sold_out_at: Date | null;
    home_team: string | null;
    away_team: string | null;
    kick_off: Date | null;
  }>(
    `SELECT c.*, m.home_team, m.away_team, m.kick_off
     FROM category_stats c LEFT JOIN matches m USING (match_number)
     ORDER BY c.match_number, c.category`,
  );
  return rows;
}

export async function readCounters(pool: Pool) {
  const [funnel, timeline, money, deadLetters, verdicts, events] = await Promise.all([
    pool.query<{ stage: string; reason: string; count: string }>('SELECT * FROM funnel'),
    pool.query<{ bucket: Date; status: string; count: string }>(
      `SELECT * FROM orders_timeline WHERE bucket >= now() - interval '7 days' ORDER BY bucket, status`,
    ),
    pool.query<{ kind: string; count: string; amount_cents: string }>('SELECT * FROM money'),
    pool.query<{ consumer: string; subject: string; count: string }>(
      'SELECT * FROM dead_letters ORDER BY count DESC',
    ),
    pool.query<{ kind: string; reason: string; count: string }>(
      'SELECT * FROM security_verdicts ORDER BY count DESC',
    ),
    pool.query<{ type: string; count: string; last_occurred_at: Date }>(
      'SELECT * FROM event_counts ORDER BY type',
    ),
  ]);
  return {
    funnel: funnel.rows,
    timeline: timeline.rows,
    money: money.rows,
    deadLetters: deadLetters.rows,
    verdicts: verdicts.rows,
    events: events.rows,
  };
}
