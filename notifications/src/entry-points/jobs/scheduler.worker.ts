import type { ServiceRuntime } from '@ticketaka/common';
import type { NotificationsConfig } from '../../config';
import type { Mailer } from '../../data-access/smtp-mailer';
import { dispatchMails } from '../../domain/dispatch-mails.use-case';
import { refreshSchedule, remindKickOffs } from '../../domain/follow-alerts.use-case';
import { sendDueHoldWarnings } from '../../domain/hold-reminders.use-case';

/**
 * The service's clockwork, one loop per replica: send due mails (woken at once after a
 * commit, otherwise every interval), due hold warnings, kick-off reminders, and refresh the
 * fixture list now and then. Every step claims its rows, so replicas never double up.
 */
export function startScheduler(runtime: ServiceRuntime<NotificationsConfig>, mailer: Mailer) {
  const { config, logger } = runtime;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastSchedule = 0;
  let lastKickOff = 0;

  const tick = async () => {
    const now = Date.now();
    if (now - lastSchedule >= config.SCHEDULE_REFRESH_MS) {
      lastSchedule = now;
      await refreshSchedule(runtime).catch((err) => {
        lastSchedule = 0;
        logger.warn({ err }, 'fixture list not refreshed; tickets unreachable?');
      });
    }
    if (now - lastKickOff >= 60_000) {
      lastKickOff = now;
      await remindKickOffs(runtime);
    }
    if ((await sendDueHoldWarnings(runtime)) > 0) await sendMails();
    await sendMails();
  };
  const sendMails = async () => {
    while (
      (await dispatchMails({
        pool: runtime.pool,
        mailer,
        logger,
        maxAttempts: config.MAIL_MAX_ATTEMPTS,
      })) > 0
    ) {
      if (stopped) return;
    }
  };
  const run = () => {
    if (stopped) return;
    clearTimeout(timer);
    running = running
      .then(tick)
      .catch((err) => logger.error({ err }, 'scheduler step failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(run, config.SCHEDULER_INTERVAL_MS);
      });
  };
  run();
  return {
    /** New mail in the outbox: send it now rather than at the next tick. */
    wake: () => {
      running = running
        .then(sendMails)
        .catch((err) => logger.error({ err }, 'mail dispatch failed'));
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
