import { randomUUID } from 'node:crypto';
import type { Pool } from '@ticketaka/common';

export interface BlocklistEntry {
  id: string;
  /** Normalised network, e.g. `203.0.113.0/24` or `2001:db8::/64`; a single address has /32 or /128. */
  network: string;
  reason: string;
  author: string;
  automatic: boolean;
  createdAt: string;
  expiresAt: string | null;
}

interface Row {
  id: string;
  network: string;
  reason: string;
  author: string;
  automatic: boolean;
  created_at: Date;
  expires_at: Date | null;
}

const toEntry = (row: Row): BlocklistEntry => ({
  id: row.id,
  network: row.network,
  reason: row.reason,
  author: row.author,
  automatic: row.automatic,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at?.toISOString() ?? null,
});

const columns = 'id, text(network) AS network, reason, author, automatic, created_at, expires_at';

/** Entries in force now: not lifted and not expired. */
export async function listLiveEntries(pool: Pool): Promise<BlocklistEntry[]> {
  const { rows } = await pool.query<Row>(
    `SELECT ${columns} FROM blocklist
      WHERE removed_at IS NULL AND (expires_at IS NULL OR expires_at > now())
      ORDER BY created_at DESC`,
  );
  return rows.map(toEntry);
}

/** PostgreSQL normalises the network (host bits cleared), so `10.1.2.3/24` is stored as `10.1.2.0/24`. */
export async function insertEntry(
  pool: Pool,
  entry: {
    network: string;
    reason: string;
    author: string;
    automatic: boolean;
    expiresAt: Date | null;
  },
): Promise<BlocklistEntry> {
  const { rows } = await pool.query<Row>(
    `INSERT INTO blocklist (id, network, reason, author, automatic, expires_at)
     VALUES ($1, network($2::inet), $3, $4, $5, $6)
     RETURNING ${columns}`,
    [randomUUID(), entry.network, entry.reason, entry.author, entry.automatic, entry.expiresAt],
  );
  return toEntry(rows[0] as Row);
}

export async function removeEntry(pool: Pool, id: string, removedBy: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE blocklist SET removed_at = now(), removed_by = $2
      WHERE id = $1 AND removed_at IS NULL`,
    [id, removedBy],
  );
  return (rowCount ?? 0) > 0;
}
