import type { Pool, PoolClient } from '@ticketaka/common';
import type { Role } from '@ticketaka/common';

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  displayName: string;
  country: string;
  role: Role;
  version: number;
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  display_name: string;
  country: string;
  role: Role;
  version: number;
}

const toRecord = (row: UserRow): UserRecord => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  displayName: row.display_name,
  country: row.country,
  role: row.role,
  version: row.version,
});

export async function insertUser(
  client: PoolClient,
  user: Omit<UserRecord, 'version'>,
): Promise<UserRecord> {
  const { rows } = await client.query<UserRow>(
    `INSERT INTO users (id, email, password_hash, display_name, country, role)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [user.id, user.email, user.passwordHash, user.displayName, user.country, user.role],
  );
  return toRecord(rows[0] as UserRow);
}

export async function findUserByEmail(
  db: Pool | PoolClient,
  email: string,
): Promise<UserRecord | undefined> {
  const { rows } = await db.query<UserRow>('SELECT * FROM users WHERE lower(email) = lower($1)', [
    email,
  ]);
  return rows[0] && toRecord(rows[0]);
}

export async function findUserById(
  db: Pool | PoolClient,
  id: string,
): Promise<UserRecord | undefined> {
  const { rows } = await db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
  return rows[0] && toRecord(rows[0]);
}

export async function setRole(
  client: PoolClient,
  id: string,
  role: Role,
): Promise<UserRecord | undefined> {
  const { rows } = await client.query<UserRow>(
    `UPDATE users SET role = $2, version = version + 1, updated_at = now()
     WHERE id = $1 AND role <> $2 RETURNING *`,
    [id, role],
  );
  return rows[0] && toRecord(rows[0]);
}
