import type { CurrentUser, ServiceRuntime } from '@ticketaka/common';
import type { AdminDeadLetters, AdminOrderStats, FanAllowance } from '@ticketaka/contracts';
import { countOrdersByStatus, countOrdersPerHour } from '../data-access/order-stats.repository';
import { ticketsCountedForFan } from '../data-access/order.repository';
import type { OrdersConfig } from '../config';

export async function orderStats(runtime: ServiceRuntime, hours: number): Promise<AdminOrderStats> {
  const [byStatus, timeline] = await Promise.all([
    countOrdersByStatus(runtime.pool),
    countOrdersPerHour(runtime.pool, hours),
  ]);
  return { byStatus, timeline, hours };
}

/** Every consumer's dead letters (the stream is shared by the platform; orders serves the count). */
export async function deadLetters(runtime: ServiceRuntime): Promise<AdminDeadLetters> {
  const { total, byConsumer } = await runtime.bus.deadLetterCounts();
  return {
    total,
    byConsumer: Object.entries(byConsumer).map(([consumer, count]) => ({ consumer, count })),
  };
}

/**
 * How many more tickets the fan may order for a match, so the page's quantity picker offers
 * only what the fan limit allows. The order itself is still checked under the fan's lock.
 */
export async function fanAllowance(
  runtime: ServiceRuntime<OrdersConfig>,
  user: CurrentUser,
  matchNumber: number,
): Promise<FanAllowance> {
  const limit = runtime.config.MAX_TICKETS_PER_FAN_PER_MATCH;
  const client = await runtime.pool.connect();
  try {
    const used = await ticketsCountedForFan(client, user.id, matchNumber);
    return { matchNumber, limit, used, remaining: Math.max(0, limit - used) };
  } finally {
    client.release();
  }
}
