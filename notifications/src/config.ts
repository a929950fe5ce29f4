import { z } from 'zod';
import { baseConfigSchema, envPort, localSmtpUrl, requireInProduction } from '@ticketaka/common';
import registration from '../service.json';

export const notificationsConfigSchema = requireInProduction(
  baseConfigSchema.extend({
    PORT: envPort(registration.port),
    /** The mail relay; locally Mailpit, which the launcher and the test setup start. */
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, 'an smtp:// or smtps:// URL')
      .default(localSmtpUrl()),
    SMTP_USER: z.string().optional(),
    SMTP_PASSWORD: z.string().optional(),
    MAIL_FROM: z.string().min(3).default('Ticketaka <tickets@ticketaka.local>'),
    /** Links in mails point here (the public origin of the client). */
    PUBLIC_URL: z.string().url().default('http://localhost:8080'),
    /** How often due reminders and unsent mails are looked for. */
    SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
    /** "Your hold ends in N minutes". */
    HOLD_WARNING_MINUTES: z.coerce.number().int().min(1).max(14).default(5),
    /** Followers hear this long before kick-off. */
    KICKOFF_NOTICE_HOURS: z.coerce.number().int().min(1).max(96).default(24),
    /** How often the fixture list is refreshed from tickets. */
    SCHEDULE_REFRESH_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(10 * 60_000),
    MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    SSE_HEARTBEAT_MS: z.coerce.number().int().min(1000).max(120_000).default(15_000),
  }),
  ['JWT_PUBLIC_KEY', 'SMTP_URL'],
);

export type NotificationsConfig = z.infer<typeof notificationsConfigSchema>;
