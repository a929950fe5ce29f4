import type Redis from 'ioredis';

/**
 * What security knows of each account's orders, learned from orders.* events: its unpaid
 * orders (a sorted set scored by lock expiry, so a lock whose end event was lost still stops
 * counting when it runs out) and a cool-down after an order expired or was cancelled.
 * Ended orders are remembered for a day, so a late `created` cannot revive one.
 */
export function createOrderActivityStore(redis: Redis, prefix: string) {
  const unpaid = (userId: string) => `${prefix}:orders-unpaid:${userId}`;
  const resale = (userId: string) => `${prefix}:orders-resale:${userId}`;
  const ended = (orderId: string) => `${prefix}:orders-ended:${orderId}`;
  const cooldown = (userId: string) => `${prefix}:orders-cooldown:${userId}`;

  async function live(key: string): Promise<number> {
    const now = Date.now();
    const results = await redis
      .multi()
      .zremrangebyscore(key, '-inf', now)
      .zcount(key, now, '+inf')
      .exec();
    const [error, count] = results?.[1] ?? [new Error('transaction aborted'), 0];
    if (error) throw error;
    return Number(count);
  }

  return {
    async orderOpened(order: {
      id: string;
      userId: string;
      kind: 'primary' | 'resale';
      expiresAt: string;
    }) {
      if (await redis.exists(ended(order.id))) return;
      const until = Date.parse(order.expiresAt);
      const ttl = Math.max(60, Math.ceil((until - Date.now()) / 1000) + 60);
      const tx = redis.multi().zadd(unpaid(order.userId), until, order.id);
      tx.expire(unpaid(order.userId), ttl);
      if (order.kind === 'resale') {
        tx.zadd(resale(order.userId), until, order.id).expire(resale(order.userId), ttl);
      }
      await tx.exec();
    },

    async orderEnded(
      order: { id: string; userId: string },
      outcome: 'paid' | 'cancelled' | 'expired',
      cooldownSeconds: number,
    ) {
      const tx = redis
        .multi()
        .set(ended(order.id), outcome, 'EX', 24 * 3600)
        .zrem(unpaid(order.userId), order.id)
        .zrem(resale(order.userId), order.id);
      if (outcome !== 'paid') tx.set(cooldown(order.userId), '1', 'EX', cooldownSeconds);
      await tx.exec();
    },

    async standing(userId: string) {
      const [unpaidOrders, resaleLocks, cooldownSeconds] = await Promise.all([
        live(unpaid(userId)),
        live(resale(userId)),
        redis.ttl(cooldown(userId)),
      ]);
      return { unpaidOrders, resaleLocks, cooldownSeconds: Math.max(0, cooldownSeconds) };
    },
  };
}

export type OrderActivityStore = ReturnType<typeof createOrderActivityStore>;
