import {
  AppError,
  CONFIRM_HOLD_SUBJECT,
  confirmHoldResponseSchema,
  PARTNER_SALE_REFUSALS,
  PARTNER_SALE_SUBJECT,
  partnerSaleResponseSchema,
  type EventBus,
  type Pool,
} from '@ticketaka/common';
import type { Logger } from 'pino';
import type { BridgeMetrics } from '../bridge-metrics';
import { unplacedFacts } from '../data-access/hold-lots.repository';
import {
  countNotifyAttempt,
  holdsToNotify,
  markNotified,
} from '../data-access/own-holds.repository';
import {
  backlogSize,
  categoriesWithBacklog,
  countEffectAttempt,
  finishEffect,
  nextEffect,
  type TicketsEffect,
} from '../data-access/tickets-effects.repository';

export interface TicketsSyncDeps {
  pool: Pool;
  bus: EventBus;
  logger: Logger;
  metrics: BridgeMetrics;
  /** Dead-letters a partner message whose change tickets refused for good. */
  deadLetterEffect: (effect: TicketsEffect, code: string, reason: string) => Promise<void>;
}

/** tickets is down or slow: leave everything where it is and try again on the next round. */
const isTransient = (error: unknown) => !(error instanceof AppError) || error.status >= 500;

/**
 * Hands tickets what the ledger decided, from the bridge's own tables, so a crash or a
 * tickets outage loses nothing:
 * - the fate of each of our holds (granted / void) through `rpc.tickets.confirm-hold`;
 * - partners' granted holds, sales and releases through `rpc.tickets.partner-sale`, in log
 *   order per category. When tickets cannot fit a partner hold yet (our own tentative holds
 *   still fill the category; the log has already voided some of them), that category waits
 *   until our void holds are released, instead of dropping a change every other platform made.
 * Both calls are idempotent on tickets' side (order id, message key), so a repeat is harmless.
 */
export class TicketsSync {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: TicketsSyncDeps) {}

  start(intervalMs = 1000) {
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Runs a round now, or right after the current one. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.round();
        } while (this.again && !this.stopped);
      } catch (error) {
        this.deps.logger.warn(
          { err: error },
          'tickets sync round failed; retrying on the next round',
        );
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop() {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async round() {
    await this.notifyFates();
    for (const { matchNumber, category } of await categoriesWithBacklog(this.deps.pool)) {
      if (this.stopped) return;
      await this.drain(matchNumber, category);
    }
    this.deps.metrics.effectsBacklog.set(await backlogSize(this.deps.pool));
    this.deps.metrics.unplacedFacts.set(await unplacedFacts(this.deps.pool));
  }

  private async notifyFates() {
    const { pool, bus, logger, metrics } = this.deps;
    for (const hold of await holdsToNotify(pool)) {
      if (this.stopped) return;
      const outcome = hold.fate === 'granted' ? 'granted' : 'void';
      try {
        const answer = await bus.request(
          CONFIRM_HOLD_SUBJECT,
          {
            orderId: hold.orderId,
            outcome,
            decidedAt: hold.decidedAt ?? 'unknown',
            reason: hold.fateReason ?? undefined,
          },
          confirmHoldResponseSchema,
        );
        await markNotified(pool, hold.orderId, answer.status);
        metrics.ownHoldsDecided.inc({ fate: outcome });
        logger.info(
          { orderId: hold.orderId, outcome, status: answer.status },
          'told tickets how the partner log decided our hold',
        );
      } catch (error) {
        if (isTransient(error)) {
          await countNotifyAttempt(pool, hold.orderId);
          logger.debug(
            { err: error, orderId: hold.orderId },
            'tickets did not take the hold decision yet',
          );
          return;
        }
        // tickets knows no such hold, or refuses the outcome: nothing a retry would change.
        const appError = error as AppError;
        await markNotified(pool, hold.orderId, `refused:${appError.code}`);
        logger.error(
          { err: error, orderId: hold.orderId, outcome },
          'tickets refused the partner log decision for our hold',
        );
      }
    }
  }

  private async drain(matchNumber: number, category: number) {
    const { pool, bus, logger, metrics } = this.deps;
    for (;;) {
      if (this.stopped) return;
      const effect = await nextEffect(pool, matchNumber, category);
      if (!effect) return;
      try {
        const answer = await bus.request(
          PARTNER_SALE_SUBJECT,
          {
            messageKey: effect.messageKey,
            action: effect.action,
            matchNumber: effect.matchNumber,
            category: effect.category,
            quantity: effect.quantity,
          },
          partnerSaleResponseSchema,
        );
        await finishEffect(pool, effect.id, 'applied');
        metrics.ticketsEffects.inc({ outcome: answer.applied ? 'applied' : 'duplicate' });
      } catch (error) {
        if (isTransient(error)) {
          await countEffectAttempt(pool, effect.id, (error as Error).message);
          return;
        }
        const appError = error as AppError;
        const waitsForSeats =
          appError.code === PARTNER_SALE_REFUSALS.notEnoughTickets || appError.status === 404;
        if (waitsForSeats) {
          // The head of this category's queue waits; everything behind it keeps its order.
          await countEffectAttempt(pool, effect.id, `${appError.code}: ${appError.message}`);
          metrics.ticketsEffects.inc({ outcome: 'waiting' });
          if (effect.attempts % 50 === 0) {
            logger.warn(
              { effect, code: appError.code },
              'a partner change granted by the ledger is waiting for tickets',
            );
          }
          return;
        }
        await finishEffect(pool, effect.id, 'failed', `${appError.code}: ${appError.message}`);
        metrics.ticketsEffects.inc({ outcome: 'failed' });
        logger.error(
          { effect, code: appError.code },
          'tickets refused a partner change the ledger applied',
        );
        await this.deps.deadLetterEffect(
          effect,
          'tickets_refused',
          `tickets refused it: ${appError.code}: ${appError.message}`,
        );
      }
    }
  }
}
