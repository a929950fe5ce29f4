import type { Pool, PoolClient } from '@ticketaka/common';

type Db = Pool | PoolClient;

export interface TicketsEffect {
  id: string;
  messageKey: string;
  action: 'TICKET_PENDING' | 'TICKET_RESERVED' | 'TICKET_CANCELLED';
  matchNumber: number;
  category: number;
  quantity: number;
  attempts: number;
}

interface EffectRow {
  id: string;
  message_key: string;
  action: TicketsEffect['action'];
  match_number: number;
  category: number;
  quantity: number;
  attempts: number;
}

export async function insertEffect(
  client: PoolClient,
  effect: Omit<TicketsEffect, 'id' | 'attempts'>,
): Promise<void> {
  await client.query(
    `INSERT INTO tickets_effects (message_key, action, match_number, category, quantity)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (message_key) DO NOTHING`,
    [effect.messageKey, effect.action, effect.matchNumber, effect.category, effect.quantity],
  );
}

/** The oldest change still owed to tickets for one category: the head of its queue. */
export async function nextEffect(
  db: Db,
  matchNumber: number,
  category: number,
): Promise<TicketsEffect | undefined> {
  const { rows } = await db.query<EffectRow>(
    `SELECT * FROM tickets_effects WHERE status = 'pending' AND match_number = $1 AND category = $2
     ORDER BY id LIMIT 1`,
    [matchNumber, category],
  );
  const r = rows[0];
  return (
    r && {
      id: r.id,
      messageKey: r.message_key,
      action: r.action,
      matchNumber: r.match_number,
      category: r.category,
      quantity: r.quantity,
      attempts: r.attempts,
    }
  );
}

export async function categoriesWithBacklog(
  db: Db,
): Promise<{ matchNumber: number; category: number }[]> {
  const { rows } = await db.query<{ match_number: number; category: number }>(
    `SELECT DISTINCT match_number, category FROM tickets_effects WHERE status = 'pending' ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ matchNumber: r.match_number, category: r.category }));
}

export async function finishEffect(
  db: Db,
  id: string,
  status: 'applied' | 'failed',
  error?: string,
): Promise<void> {
  await db.query(
    `UPDATE tickets_effects SET status = $2, last_error = $3, attempts = attempts + 1, done_at = now() WHERE id = $1`,
    [id, status, error ?? null],
  );
}

export async function countEffectAttempt(db: Db, id: string, error: string): Promise<void> {
  await db.query(
    'UPDATE tickets_effects SET attempts = attempts + 1, last_error = $2 WHERE id = $1',
    [id, error],
  );
}

export async function backlogSize(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    "SELECT count(*) AS n FROM tickets_effects WHERE status = 'pending'",
  );
  return Number(rows[0]?.n ?? 0);
}
