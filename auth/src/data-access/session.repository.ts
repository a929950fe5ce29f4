import type { Pool, PoolClient, Role } from '@ticketaka/common';

export type RevokedReason = 'signed_out' | 'refresh_reused';

/** A refresh token found by its hash, with its session (locked) and the user as they are now. */
export interface PresentedRefreshToken {
  sessionId: string;
  tokenGeneration: number;
  sessionGeneration: number;
  revoked: boolean;
  expired: boolean;
  /** Replaced less than the grace period ago. */
  withinGrace: boolean;
  expiresAt: Date;
  user: {
    id: string;
    email: string;
    displayName: string;
    country: string;
    role: Role;
    version: number;
  };
}

interface PresentedRow {
  session_id: string;
  token_generation: number;
  session_generation: number;
  revoked: boolean;
  expired: boolean;
  within_grace: boolean;
  expires_at: Date;
  user_id: string;
  email: string;
  display_name: string;
  country: string;
  role: Role;
  version: number;
}

export async function insertSession(
  client: PoolClient,
  session: { id: string; userId: string; lifetimeSeconds: number },
): Promise<Date> {
  const { rows } = await client.query<{ expires_at: Date }>(
    `INSERT INTO sessions (id, user_id, expires_at)
     VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING expires_at`,
    [session.id, session.userId, session.lifetimeSeconds],
  );
  return (rows[0] as { expires_at: Date }).expires_at;
}

export async function insertRefreshToken(
  client: PoolClient,
  token: { hash: Buffer; sessionId: string; generation: number },
): Promise<void> {
  await client.query(
    'INSERT INTO refresh_tokens (token_hash, session_id, generation) VALUES ($1, $2, $3)',
    [token.hash, token.sessionId, token.generation],
  );
}

/**
 * Locks the token's session for the rest of the transaction, so two refreshes with one
 * token queue: the first rotates it, the second then sees it already replaced.
 * Time is the database's clock, as for the expiry written at sign-in.
 */
export async function findPresentedRefreshToken(
  client: PoolClient,
  hash: Buffer,
  graceSeconds: number,
): Promise<PresentedRefreshToken | undefined> {
  const { rows } = await client.query<PresentedRow>(
    `SELECT s.id AS session_id, t.generation AS token_generation, s.generation AS session_generation,
            s.revoked_at IS NOT NULL AS revoked, s.expires_at <= now() AS expired,
            now() - s.rotated_at <= make_interval(secs => $2) AS within_grace, s.expires_at,
            u.id AS user_id, u.email, u.display_name, u.country, u.role, u.version
     FROM refresh_tokens t
     JOIN sessions s ON s.id = t.session_id
     JOIN users u ON u.id = s.user_id
     WHERE t.token_hash = $1
     FOR UPDATE OF s`,
    [hash, graceSeconds],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    sessionId: row.session_id,
    tokenGeneration: row.token_generation,
    sessionGeneration: row.session_generation,
    revoked: row.revoked,
    expired: row.expired,
    withinGrace: row.within_grace,
    expiresAt: row.expires_at,
    user: {
      id: row.user_id,
      email: row.email,
      displayName: row.display_name,
      country: row.country,
      role: row.role,
      version: row.version,
    },
  };
}

/** The session's next refresh token generation; the caller stores its hash. */
export async function rotateSession(client: PoolClient, sessionId: string): Promise<number> {
  const { rows } = await client.query<{ generation: number }>(
    `UPDATE sessions SET generation = generation + 1, rotated_at = now()
     WHERE id = $1 RETURNING generation`,
    [sessionId],
  );
  return (rows[0] as { generation: number }).generation;
}

export async function revokeSessions(
  db: Pool | PoolClient,
  sessionIds: string[],
  reason: RevokedReason,
): Promise<void> {
  await db.query(
    `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
     WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL`,
    [sessionIds, reason],
  );
}

export async function findSessionIdByRefreshHash(
  db: Pool | PoolClient,
  hash: Buffer,
): Promise<string | undefined> {
  const { rows } = await db.query<{ session_id: string }>(
    'SELECT session_id FROM refresh_tokens WHERE token_hash = $1',
    [hash],
  );
  return rows[0]?.session_id;
}

/** Housekeeping at each sign-in: a user's ended sessions (and their tokens) are dropped. */
export async function deleteEndedSessions(client: PoolClient, userId: string): Promise<void> {
  await client.query(
    `DELETE FROM sessions WHERE user_id = $1
       AND (expires_at <= now() OR revoked_at < now() - interval '1 day')`,
    [userId],
  );
}
