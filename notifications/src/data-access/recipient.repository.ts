import type { Pool, PoolClient } from '@ticketaka/common';
import type { NotificationKind } from '../domain/notification-kinds';

type Db = Pool | PoolClient;

export interface Recipient {
  userId: string;
  email: string;
  displayName: string;
}

/** auth.user.created, applied in version order: an older copy never overwrites a newer one. */
export async function upsertRecipient(db: Db, r: Recipient & { version: number }): Promise<void> {
  await db.query(
    `INSERT INTO recipients AS r (user_id, email, display_name, version) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, display_name = EXCLUDED.display_name,
       version = EXCLUDED.version WHERE r.version < EXCLUDED.version`,
    [r.userId, r.email, r.displayName, r.version],
  );
}

export async function findRecipient(db: Db, userId: string): Promise<Recipient | undefined> {
  const { rows } = await db.query<{ user_id: string; email: string; display_name: string }>(
    'SELECT user_id, email, display_name FROM recipients WHERE user_id = $1',
    [userId],
  );
  const row = rows[0];
  return row && { userId: row.user_id, email: row.email, displayName: row.display_name };
}

export async function emailOptedOut(db: Db, userId: string, kind: NotificationKind) {
  const { rows } = await db.query<{ email: boolean }>(
    'SELECT email FROM preferences WHERE user_id = $1 AND kind = $2',
    [userId, kind],
  );
  return rows[0]?.email === false;
}

export async function findPreferences(db: Db, userId: string): Promise<Map<string, boolean>> {
  const { rows } = await db.query<{ kind: string; email: boolean }>(
    'SELECT kind, email FROM preferences WHERE user_id = $1',
    [userId],
  );
  return new Map(rows.map((r) => [r.kind, r.email]));
}

export async function savePreferences(
  db: PoolClient,
  userId: string,
  changes: [NotificationKind, boolean][],
): Promise<void> {
  if (changes.length === 0) return;
  await db.query(
    `INSERT INTO preferences (user_id, kind, email)
     SELECT $1, * FROM unnest($2::text[], $3::boolean[])
     ON CONFLICT (user_id, kind) DO UPDATE SET email = EXCLUDED.email`,
    [userId, changes.map((c) => c[0]), changes.map((c) => c[1])],
  );
}
