import type { Logger } from 'pino';
import type { Pool } from '@ticketaka/common';
import {
  claimDueMails,
  markMailFailed,
  markMailSent,
} from '../data-access/notification.repository';
import type { Mailer } from '../data-access/smtp-mailer';

const retryDelaySeconds = (attempt: number) => Math.min(600, 5 * 2 ** (attempt - 1));

/**
 * Sends what the mail outbox holds. A mail is marked sent only after the SMTP server took
 * it; a crash in between sends it again (with the same Message-ID), which is the one
 * duplicate SMTP cannot rule out. Failures are retried with back-off, then marked failed.
 */
export async function dispatchMails(
  deps: { pool: Pool; mailer: Mailer; logger: Logger; maxAttempts: number },
  batch = 20,
): Promise<number> {
  const mails = await claimDueMails(deps.pool, batch);
  for (const mail of mails) {
    try {
      await deps.mailer.send(mail);
      await markMailSent(deps.pool, mail.id);
    } catch (error) {
      const giveUp = mail.attempts >= deps.maxAttempts;
      deps.logger.warn(
        { err: error, mailId: mail.id, attempt: mail.attempts, giveUp },
        'mail not sent',
      );
      await markMailFailed(
        deps.pool,
        mail.id,
        (error as Error).message,
        giveUp ? null : retryDelaySeconds(mail.attempts),
      );
    }
  }
  return mails.length;
}
