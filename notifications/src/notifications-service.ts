import path from 'node:path';
import { defineService } from '@ticketaka/common';
import { notificationsConfigSchema } from './config';
import { createSmtpMailer } from './data-access/smtp-mailer';
import { BellFeed } from './entry-points/http/bell-feed';
import { notificationsRouter } from './entry-points/http/notifications.routes';
import { startScheduler } from './entry-points/jobs/scheduler.worker';
import { consumeFanEvents } from './entry-points/messaging/fan-events.consumer';

export const startNotificationsService = defineService({
  name: 'notifications',
  config: notificationsConfigSchema,
  migrationsDir: path.join(__dirname, 'data-access', 'migrations'),
  setup: async (runtime) => {
    const { config } = runtime;
    const mailer = createSmtpMailer({
      url: config.SMTP_URL,
      user: config.SMTP_USER,
      password: config.SMTP_PASSWORD,
      from: config.MAIL_FROM,
    });
    runtime.onClose(async () => mailer.close());
    runtime.readiness.smtp = () => mailer.verify();

    const feed = new BellFeed(runtime.databaseUrl, runtime.schema, runtime.logger);
    await feed.start();
    runtime.onClose(() => feed.stop());

    const scheduler = startScheduler(runtime, mailer);
    runtime.onClose(() => scheduler.stop());
    await consumeFanEvents(runtime, scheduler.wake);

    const routes = notificationsRouter(runtime, feed);
    return {
      routes: (app) => app.use(routes.router),
      // Registered after listen, so it runs first on close: no open stream holds the server.
      onListening: () => runtime.onClose(async () => routes.endAll()),
      expose: { scheduler },
    };
  },
});
