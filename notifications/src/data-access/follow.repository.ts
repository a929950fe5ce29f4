import type { Pool, PoolClient } from '@ticketaka/common';

type Db = Pool | PoolClient;
export type FollowTarget = { kind: 'match'; matchNumber: number } | { kind: 'team'; team: string };

const column = (t: FollowTarget) => (t.kind === 'match' ? String(t.matchNumber) : t.team);

export async function addFollow(db: Db, userId: string, target: FollowTarget) {
  await db.query(
    `INSERT INTO follows (user_id, target_kind, target) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [userId, target.kind, column(target)],
  );
}

export async function removeFollow(db: Db, userId: string, target: FollowTarget) {
  await db.query('DELETE FROM follows WHERE user_id = $1 AND target_kind = $2 AND target = $3', [
    userId,
    target.kind,
    column(target),
  ]);
}

export async function findFollows(db: Db, userId: string): Promise<FollowTarget[]> {
  const { rows } = await db.query<{ target_kind: 'match' | 'team'; target: string }>(
    'SELECT target_kind, target FROM follows WHERE user_id = $1 ORDER BY created_at, target',
    [userId],
  );
  return rows.map((r) =>
    r.target_kind === 'match'
      ? { kind: 'match', matchNumber: Number(r.target) }
      : { kind: 'team', team: r.target },
  );
}

/** Everyone who follows the match itself or either of its teams, once each. */
export async function followersOf(
  db: Db,
  match: { matchNumber: number; homeTeam?: string; awayTeam?: string },
): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    `SELECT DISTINCT user_id FROM follows
      WHERE (target_kind = 'match' AND target = $1) OR (target_kind = 'team' AND target = ANY($2::text[]))`,
    [String(match.matchNumber), [match.homeTeam, match.awayTeam].filter(Boolean)],
  );
  return rows.map((r) => r.user_id);
}
