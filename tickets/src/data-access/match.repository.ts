import type { Pool, PoolClient } from '@ticketaka/common';

type Db = Pool | PoolClient;

export interface MatchRecord {
  matchNumber: number;
  roundNumber: number;
  kickOff: Date;
  venue: string;
  homeTeam: string;
  awayTeam: string;
  group: string | null;
  version: number;
}

interface MatchRow {
  match_number: number;
  round_number: number;
  kick_off: Date;
  venue: string;
  home_team: string;
  away_team: string;
  group_name: string | null;
  version: number;
}

const toRecord = (row: MatchRow): MatchRecord => ({
  matchNumber: row.match_number,
  roundNumber: row.round_number,
  kickOff: row.kick_off,
  venue: row.venue,
  homeTeam: row.home_team,
  awayTeam: row.away_team,
  group: row.group_name,
  version: row.version,
});

export interface MatchDetails {
  matchNumber: number;
  roundNumber: number;
  kickOff: string;
  venue: string;
  homeTeam: string;
  awayTeam: string;
  group: string | null;
}

/**
 * Inserts a match, or refreshes the details of a known one. A `known*` value of null means
 * "only a placeholder here": it never overwrites what we already know (a replayed early list
 * must not turn "Argentina" back into "1C").
 */
export async function upsertMatch(
  client: PoolClient,
  match: MatchDetails,
  known: { venue: string | null; homeTeam: string | null; awayTeam: string | null },
): Promise<'created' | 'updated' | 'unchanged'> {
  const { rows } = await client.query<{ created: boolean }>(
    `INSERT INTO matches AS m (match_number, round_number, kick_off, venue, home_team, away_team, group_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (match_number) DO UPDATE SET
       round_number = EXCLUDED.round_number,
       kick_off = EXCLUDED.kick_off,
       venue = COALESCE($8, m.venue),
       home_team = COALESCE($9, m.home_team),
       away_team = COALESCE($10, m.away_team),
       group_name = EXCLUDED.group_name,
       version = m.version + 1,
       updated_at = now()
     WHERE (m.round_number, m.kick_off, m.venue, m.home_team, m.away_team, m.group_name)
       IS DISTINCT FROM (EXCLUDED.round_number, EXCLUDED.kick_off, COALESCE($8, m.venue),
                         COALESCE($9, m.home_team), COALESCE($10, m.away_team), EXCLUDED.group_name)
     RETURNING (xmax = 0) AS created`,
    [
      match.matchNumber,
      match.roundNumber,
      match.kickOff,
      match.venue,
      match.homeTeam,
      match.awayTeam,
      match.group,
      known.venue,
      known.homeTeam,
      known.awayTeam,
    ],
  );
  if (!rows[0]) return 'unchanged';
  return rows[0].created ? 'created' : 'updated';
}

export interface MatchFilters {
  team?: string;
  group?: string;
  round?: number;
  venue?: string;
  from?: Date;
  to?: Date;
}

export async function findMatches(db: Db, filters: MatchFilters): Promise<MatchRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (filters.team !== undefined) {
    const p = param(filters.team);
    where.push(`(lower(home_team) = lower(${p}) OR lower(away_team) = lower(${p}))`);
  }
  if (filters.group !== undefined) where.push(`upper(group_name) = upper(${param(filters.group)})`);
  if (filters.round !== undefined) where.push(`round_number = ${param(filters.round)}`);
  if (filters.venue !== undefined) where.push(`lower(venue) = lower(${param(filters.venue)})`);
  if (filters.from !== undefined) where.push(`kick_off >= ${param(filters.from)}`);
  if (filters.to !== undefined) where.push(`kick_off <= ${param(filters.to)}`);
  const { rows } = await db.query<MatchRow>(
    `SELECT * FROM matches ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY kick_off, match_number`,
    params,
  );
  return rows.map(toRecord);
}

export async function findMatch(db: Db, matchNumber: number): Promise<MatchRecord | undefined> {
  const { rows } = await db.query<MatchRow>('SELECT * FROM matches WHERE match_number = $1', [
    matchNumber,
  ]);
  return rows[0] && toRecord(rows[0]);
}
