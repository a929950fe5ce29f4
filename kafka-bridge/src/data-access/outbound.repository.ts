import type { Pool, PoolClient } from '@ticketaka/common';

type Db = Pool | PoolClient;

export type OutboundStatus = 'sending' | 'sent' | 'skipped';

export interface OutboundMessage {
  eventId: string;
  orderId: string;
  action: string;
  matchNumber: number;
  category: number;
  quantity: number;
  status: OutboundStatus;
  attempts: number;
}

interface OutboundRow {
  event_id: string;
  order_id: string;
  action: string;
  match_number: number;
  category: number;
  quantity: number;
  status: OutboundStatus;
  attempts: number;
}

const toMessage = (r: OutboundRow): OutboundMessage => ({
  eventId: r.event_id,
  orderId: r.order_id,
  action: r.action,
  matchNumber: r.match_number,
  category: r.category,
  quantity: r.quantity,
  status: r.status,
  attempts: r.attempts,
});

/**
 * Records that we are about to produce a message for this event, before producing it, and
 * counts the attempt. Returns the record as it was before this attempt (undefined the first
 * time), which tells whether an earlier attempt may already be in the log.
 */
export async function beginSending(
  client: PoolClient,
  message: Omit<OutboundMessage, 'status' | 'attempts'>,
): Promise<OutboundMessage | undefined> {
  const { rows: before } = await client.query<OutboundRow>(
    'SELECT * FROM outbound_messages WHERE event_id = $1 FOR UPDATE',
    [message.eventId],
  );
  if (before[0]) {
    await client.query('UPDATE outbound_messages SET attempts = attempts + 1 WHERE event_id = $1', [
      message.eventId,
    ]);
    return toMessage(before[0]);
  }
  await client.query(
    `INSERT INTO outbound_messages (event_id, order_id, action, match_number, category, quantity, attempts)
     VALUES ($1, $2, $3, $4, $5, $6, 1)`,
    [
      message.eventId,
      message.orderId,
      message.action,
      message.matchNumber,
      message.category,
      message.quantity,
    ],
  );
  return undefined;
}

export async function markSent(
  client: Db,
  eventId: string,
  where: { partition: number; offset: string } | undefined,
  note?: string,
): Promise<void> {
  await client.query(
    `UPDATE outbound_messages SET status = 'sent', "partition" = $2, "offset" = $3, note = $4, sent_at = now()
     WHERE event_id = $1 AND status = 'sending'`,
    [eventId, where?.partition ?? null, where?.offset ?? null, note ?? null],
  );
}

export async function markSkipped(client: Db, eventId: string, note: string): Promise<void> {
  await client.query(
    `UPDATE outbound_messages SET status = 'skipped', note = $2 WHERE event_id = $1 AND status = 'sending'`,
    [eventId, note],
  );
}

export async function outboundCounts(db: Db): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM outbound_messages GROUP BY status',
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
