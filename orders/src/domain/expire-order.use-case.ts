import {
  appendToOutbox,
  inTransaction,
  RetryLaterError,
  type PoolClient,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { OrdersConfig } from '../config';
import {
  claimOverdueOrders,
  claimUnconfirmedOrders,
  lockOrder,
  transitionOrder,
  type OrderRecord,
} from '../data-access/order.repository';
import { orderCancelledEvent, orderExpiredEvent } from './order-events';
import { decideExpiry } from './order-status';

export type ExpirySource = 'timer' | 'sweeper';

async function expire(
  runtime: ServiceRuntime,
  client: PoolClient,
  order: OrderRecord,
  source: ExpirySource,
) {
  const expired = await transitionOrder(client, order, 'expired');
  await appendToOutbox(client, runtime.schema, [orderExpiredEvent(expired)]);
  runtime.logger.info({ orderId: order.id, source, expiresAt: order.expiresAt }, 'order expired');
  return expired;
}

/**
 * The expiration service's timer fired. Only an unpaid order whose deadline has passed
 * expires; a paid, cancelled or already expired order is left as it is. A timer that fires
 * early (clocks disagree) is retried later rather than trusted.
 */
export async function expireOnTimer(
  runtime: ServiceRuntime,
  client: PoolClient,
  orderId: string,
): Promise<void> {
  const locked = await lockOrder(client, orderId);
  if (!locked) {
    runtime.logger.warn({ orderId }, 'expiry for an unknown order ignored');
    return;
  }
  const decision = decideExpiry(locked.order, locked.now);
  if (decision === 'not_due')
    throw new RetryLaterError(
      `order ${orderId} is not due until ${locked.order.expiresAt.toISOString()}`,
    );
  if (decision === 'expire') await expire(runtime, client, locked.order, 'timer');
}

const SWEEP_BATCH = 200;

/**
 * One pass of the sweeper: expires overdue unpaid orders (whatever happened to their Bull
 * job) and cancels orders whose hold answer was never recorded. Returns how many it ended.
 */
export async function sweepOnce(
  runtime: ServiceRuntime<OrdersConfig>,
): Promise<{ expired: number; abandoned: number }> {
  const expired = await inTransaction(runtime.pool, async (client) => {
    const due = await claimOverdueOrders(client, SWEEP_BATCH);
    for (const order of due) await expire(runtime, client, order, 'sweeper');
    return due.length;
  });
  const abandoned = await inTransaction(runtime.pool, async (client) => {
    const stale = await claimUnconfirmedOrders(
      client,
      runtime.config.ORDER_STALE_CREATED_SECONDS,
      SWEEP_BATCH,
    );
    for (const order of stale) {
      const cancelled = await transitionOrder(client, order, 'cancelled', {
        cancelReason: 'hold_not_confirmed',
      });
      await appendToOutbox(client, runtime.schema, [
        orderCancelledEvent(cancelled, 'hold_not_confirmed'),
      ]);
      runtime.logger.warn({ orderId: order.id }, 'order cancelled: its hold was never confirmed');
    }
    return stale.length;
  });
  return { expired, abandoned };
}

/** Runs the sweeper every interval until stopped; a failed pass is logged and tried again. */
export function startOrderSweeper(runtime: ServiceRuntime<OrdersConfig>): {
  stop(): Promise<void>;
} {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = () => {
    running = (async () => {
      try {
        const { expired, abandoned } = await sweepOnce(runtime);
        if (expired + abandoned > 0) runtime.logger.debug({ expired, abandoned }, 'sweeper pass');
      } catch (err) {
        runtime.logger.warn({ err }, 'sweeper pass failed; will try again');
      }
    })();
    void running.finally(() => {
      if (!stopped) timer = setTimeout(tick, runtime.config.ORDER_SWEEP_INTERVAL_MS);
    });
  };
  timer = setTimeout(tick, runtime.config.ORDER_SWEEP_INTERVAL_MS);
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
