import type { Pool, PoolClient } from '@ticketaka/common';

type Db = Pool | PoolClient;

export interface NotificationRecord {
  id: string;
  userId: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  createdAt: Date;
  readAt: Date | null;
}

interface NotificationRow {
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  created_at: Date;
  read_at: Date | null;
}

const toRecord = (r: NotificationRow): NotificationRecord => ({
  id: r.id,
  userId: r.user_id,
  kind: r.kind,
  title: r.title,
  body: r.body,
  link: r.link,
  createdAt: r.created_at,
  readAt: r.read_at,
});

/** Inserts once per dedupe key; undefined when this fact was already told. */
export async function insertNotification(
  db: PoolClient,
  n: Omit<NotificationRecord, 'createdAt' | 'readAt'> & { dedupeKey: string },
): Promise<NotificationRecord | undefined> {
  const { rows } = await db.query<NotificationRow>(
    `INSERT INTO notifications (id, user_id, kind, dedupe_key, title, body, link)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING RETURNING *`,
    [n.id, n.userId, n.kind, n.dedupeKey, n.title, n.body, n.link],
  );
  return rows[0] && toRecord(rows[0]);
}

export async function notificationExists(db: Db, dedupeKey: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM notifications WHERE dedupe_key = $1', [
    dedupeKey,
  ]);
  return (rowCount ?? 0) > 0;
}

export async function findNotifications(db: Db, userId: string, limit: number) {
  const { rows } = await db.query<NotificationRow>(
    'SELECT * FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2',
    [userId, limit],
  );
  const unread = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL',
    [userId],
  );
  return { notifications: rows.map(toRecord), unread: unread.rows[0]?.n ?? 0 };
}

export async function findNotification(db: Db, id: string) {
  const { rows } = await db.query<NotificationRow>('SELECT * FROM notifications WHERE id = $1', [
    id,
  ]);
  return rows[0] && toRecord(rows[0]);
}

export async function markRead(db: Db, userId: string, ids: string[] | 'all'): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE notifications SET read_at = now()
      WHERE user_id = $1 AND read_at IS NULL AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))`,
    [userId, ids === 'all' ? null : ids],
  );
  return rowCount ?? 0;
}

export interface Attachment {
  filename: string;
  contentType: string;
  contentBase64: string;
}

export interface MailRecord {
  id: string;
  toAddress: string;
  subject: string;
  textBody: string;
  htmlBody: string;
  attachments: Attachment[];
  attempts: number;
}

export async function insertMail(
  db: PoolClient,
  mail: Omit<MailRecord, 'attempts'> & { notificationId: string },
) {
  await db.query(
    `INSERT INTO mails (id, notification_id, to_address, subject, text_body, html_body, attachments)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      mail.id,
      mail.notificationId,
      mail.toAddress,
      mail.subject,
      mail.textBody,
      mail.htmlBody,
      JSON.stringify(mail.attachments),
    ],
  );
}

/** How long a replica may take to send a claimed mail before another may claim it again. */
const CLAIM_SECONDS = 60;

/**
 * Claims due mails for this replica without holding a transaction (or a connection) across
 * the SMTP conversation: a claim is a lease that runs out if the sender dies mid-send.
 */
export async function claimDueMails(db: Pool, limit: number): Promise<MailRecord[]> {
  const { rows } = await db.query<{
    id: string;
    to_address: string;
    subject: string;
    text_body: string;
    html_body: string;
    attachments: Attachment[];
    attempts: number;
  }>(
    `UPDATE mails SET status = 'sending', attempts = attempts + 1,
       next_attempt_at = now() + make_interval(secs => $2)
     WHERE id IN (SELECT id FROM mails WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
                  ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING id, to_address, subject, text_body, html_body, attachments, attempts`,
    [limit, CLAIM_SECONDS],
  );
  return rows.map((r) => ({
    id: r.id,
    toAddress: r.to_address,
    subject: r.subject,
    textBody: r.text_body,
    htmlBody: r.html_body,
    attachments: r.attachments,
    attempts: r.attempts,
  }));
}

export async function markMailSent(db: Pool, id: string) {
  await db.query(
    `UPDATE mails SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = $1`,
    [id],
  );
}

export async function markMailFailed(
  db: Pool,
  id: string,
  error: string,
  retryInSeconds: number | null,
) {
  await db.query(
    `UPDATE mails SET status = CASE WHEN $3::int IS NULL THEN 'failed' ELSE 'pending' END,
       last_error = $2, next_attempt_at = now() + make_interval(secs => COALESCE($3, 0))
     WHERE id = $1`,
    [id, error.slice(0, 500), retryInSeconds],
  );
}
