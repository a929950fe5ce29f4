import type { Pool } from '@ticketaka/common';

export interface CatalogueEntry {
  matchNumber: number;
  homeTeam: string;
  awayTeam: string;
  kickOff: Date;
  venue: string;
  /** Every known category sold out. */
  soldOut: boolean;
}

/** The match projection with each match's sold-out flag (from tickets' latest counts). */
export async function readCatalogue(pool: Pool): Promise<CatalogueEntry[]> {
  const { rows } = await pool.query<{
    match_number: number;
    home_team: string;
    away_team: string;
    kick_off: Date;
    venue: string;
    sold_out: boolean;
  }>(
    `SELECT m.match_number, m.home_team, m.away_team, m.kick_off, m.venue,
            coalesce(bool_and(c.state = 'sold_out') FILTER (WHERE c.inventory_version >= 0), false) AS sold_out
     FROM matches m LEFT JOIN category_stats c USING (match_number)
     GROUP BY m.match_number ORDER BY m.match_number`,
  );
  return rows.map((r) => ({
    matchNumber: r.match_number,
    homeTeam: r.home_team,
    awayTeam: r.away_team,
    kickOff: r.kick_off,
    venue: r.venue,
    soldOut: r.sold_out,
  }));
}

export async function matchesBoughtBy(pool: Pool, userId: string): Promise<number[]> {
  const { rows } = await pool.query<{ match_number: number }>(
    'SELECT match_number FROM fan_purchases WHERE user_id = $1',
    [userId],
  );
  return rows.map((r) => r.match_number);
}

export async function countryOfFan(pool: Pool, userId: string): Promise<string | null> {
  const { rows } = await pool.query<{ country: string }>(
    'SELECT country FROM fans WHERE user_id = $1',
    [userId],
  );
  return rows[0]?.country ?? null;
}

/** How many fans bought each match (the popularity baseline before any model exists). */
export async function buyersPerMatch(pool: Pool): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ match_number: number; fans: string }>(
    'SELECT match_number, count(*) AS fans FROM fan_purchases GROUP BY match_number',
  );
  return new Map(rows.map((r) => [r.match_number, Number(r.fans)]));
}
