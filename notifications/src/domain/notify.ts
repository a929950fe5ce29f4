import { randomUUID } from 'node:crypto';
import { RetryLaterError, type PoolClient } from '@ticketaka/common';
import {
  insertMail,
  insertNotification,
  type Attachment,
} from '../data-access/notification.repository';
import { emailOptedOut, findRecipient } from '../data-access/recipient.repository';
import { mailFor, type Rendered } from './mail-templates';
import type { NotificationKind } from './notification-kinds';

export const bellChannel = (schema: string) => `bell_${schema}`;

export interface Notice {
  userId: string;
  kind: NotificationKind;
  /** Names the fact (e.g. `order_confirmed:<order id>`): a fact is told once, however often its event arrives. */
  dedupeKey: string;
  rendered: Rendered;
  attachments?: Attachment[];
}

/**
 * Tells a fan something, once, in the caller's transaction: the bell entry, and the mail
 * (unless they opted out of this kind) in the mail outbox that the dispatcher sends after
 * commit. The bell's live stream is woken by NOTIFY, which PostgreSQL delivers at commit.
 */
export async function notify(
  tx: PoolClient,
  deps: { schema: string; publicUrl: string },
  notice: Notice,
): Promise<'notified' | 'already_told'> {
  const recipient = await findRecipient(tx, notice.userId);
  // auth.user.created is on its way (another stream); the bus retries this event shortly.
  if (!recipient) throw new RetryLaterError(`no recipient ${notice.userId} yet`);
  const notification = await insertNotification(tx, {
    id: randomUUID(),
    userId: notice.userId,
    kind: notice.kind,
    dedupeKey: notice.dedupeKey,
    title: notice.rendered.title,
    body: notice.rendered.paragraphs.join(' '),
    link: notice.rendered.link ?? null,
  });
  if (!notification) return 'already_told';
  if (!(await emailOptedOut(tx, notice.userId, notice.kind))) {
    const mail = mailFor(notice.rendered, recipient.displayName, deps.publicUrl);
    await insertMail(tx, {
      id: randomUUID(),
      notificationId: notification.id,
      toAddress: recipient.email,
      subject: mail.subject,
      textBody: mail.text,
      htmlBody: mail.html,
      attachments: notice.attachments ?? [],
    });
  }
  await tx.query('SELECT pg_notify($1, $2)', [
    bellChannel(deps.schema),
    JSON.stringify({ userId: notice.userId, id: notification.id }),
  ]);
  return 'notified';
}
