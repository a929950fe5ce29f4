import nodemailer from 'nodemailer';
import type { MailRecord } from './notification.repository';

export interface Mailer {
  send(mail: MailRecord): Promise<void>;
  verify(): Promise<void>;
  close(): void;
}

/** One pooled SMTP connection set; credentials come from the environment (Secrets in k8s). */
export function createSmtpMailer(options: {
  url: string;
  user?: string;
  password?: string;
  from: string;
}): Mailer {
  const transport = nodemailer.createTransport({
    url: options.url,
    pool: true,
    maxConnections: 2,
    ...(options.user ? { auth: { user: options.user, pass: options.password ?? '' } } : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    async send(mail) {
      await transport.sendMail({
        from: options.from,
        to: mail.toAddress,
        subject: mail.subject,
        text: mail.textBody,
        html: mail.htmlBody,
        // Stable per mail row: a resend after a crash mid-send is recognisable as the same message.
        messageId: `<${mail.id}@ticketaka>`,
        attachments: mail.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: Buffer.from(a.contentBase64, 'base64'),
        })),
      });
    },
    async verify() {
      await transport.verify();
    },
    close: () => transport.close(),
  };
}
