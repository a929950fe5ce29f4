import type { AvailabilityState, MatchScheduleResponse, Pool, PoolClient } from '@ticketaka/common';
import type { MatchFacts } from '../domain/mail-templates';

type Db = Pool | PoolClient;

export async function saveSchedule(db: Db, matches: MatchScheduleResponse['matches']) {
  if (matches.length === 0) return;
  await db.query(
    `INSERT INTO matches (match_number, kick_off, venue, home_team, away_team)
     SELECT * FROM unnest($1::int[], $2::timestamptz[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (match_number) DO UPDATE SET kick_off = EXCLUDED.kick_off, venue = EXCLUDED.venue,
       home_team = EXCLUDED.home_team, away_team = EXCLUDED.away_team`,
    [
      matches.map((m) => m.matchNumber),
      matches.map((m) => m.kickOff),
      matches.map((m) => m.venue),
      matches.map((m) => m.homeTeam),
      matches.map((m) => m.awayTeam),
    ],
  );
}

interface MatchRow {
  match_number: number;
  kick_off: Date;
  venue: string;
  home_team: string;
  away_team: string;
}
const toFacts = (r: MatchRow): MatchFacts => ({
  matchNumber: r.match_number,
  kickOff: r.kick_off.toISOString(),
  venue: r.venue,
  homeTeam: r.home_team,
  awayTeam: r.away_team,
});

/** What we know of a match; just its number when the schedule has not reached us yet. */
export async function matchFacts(db: Db, matchNumber: number): Promise<MatchFacts> {
  const { rows } = await db.query<MatchRow>('SELECT * FROM matches WHERE match_number = $1', [
    matchNumber,
  ]);
  return rows[0] ? toFacts(rows[0]) : { matchNumber };
}

export async function knowsMatch(db: Db, matchNumber: number): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM matches WHERE match_number = $1', [
    matchNumber,
  ]);
  return (rowCount ?? 0) > 0;
}

export async function matchesKickingOffBetween(
  db: Db,
  from: Date,
  to: Date,
): Promise<MatchFacts[]> {
  const { rows } = await db.query<MatchRow>(
    'SELECT * FROM matches WHERE kick_off > $1 AND kick_off <= $2 ORDER BY kick_off',
    [from, to],
  );
  return rows.map(toFacts);
}

/**
 * Records a category's new state if the event is newer than what we saw, and returns the
 * state it replaced (undefined when this is the first we hear, null for an old event).
 */
export async function advanceCategoryState(
  db: PoolClient,
  c: { matchNumber: number; category: number; state: AvailabilityState; version: number },
): Promise<string | undefined | null> {
  const { rows } = await db.query<{ state: string; version: number }>(
    'SELECT state, version FROM category_states WHERE match_number = $1 AND category = $2 FOR UPDATE',
    [c.matchNumber, c.category],
  );
  const before = rows[0];
  if (before && before.version >= c.version) return null;
  await db.query(
    `INSERT INTO category_states (match_number, category, state, version) VALUES ($1, $2, $3, $4)
     ON CONFLICT (match_number, category) DO UPDATE SET state = EXCLUDED.state, version = EXCLUDED.version`,
    [c.matchNumber, c.category, c.state, c.version],
  );
  return before?.state;
}
