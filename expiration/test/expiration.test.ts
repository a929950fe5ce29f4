import { randomUUID } from 'node:crypto';
import Queue from 'bull';
import { expirationEvents, ordersEvents, redisUrlFor } from '@ticketaka/common';
import {
  createTestEnvironment,
  eventually,
  readSubject,
  sleep,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { EXPIRATION_QUEUE_NAME } from '../src/data-access/expiration-queue';
import { fireLock } from '../src/domain/fire-lock.use-case';
import { startExpirationService } from '../src/expiration-service';

let env: TestEnvironment;
let service: Awaited<ReturnType<typeof startExpirationService>>;
let bull: Queue.Queue;

beforeAll(async () => {
  env = await createTestEnvironment('expiration');
  service = await startExpirationService(env.env);
  // The harness's view of expiration's queue; as admin, since it also empties it (KEYS).
  const redisUrl = redisUrlFor(
    env.env.REDIS_URL as string,
    env.env.CREDENTIALS_DIR as string,
    'admin',
  );
  bull = new Queue(EXPIRATION_QUEUE_NAME, redisUrl, {
    prefix: env.env.REDIS_PREFIX,
  });
});
afterAll(async () => {
  await service.close();
  await bull.obliterate({ force: true }).catch(() => undefined);
  await bull.close();
  await env.cleanup();
});

/** An order as orders announces it once its hold is confirmed. */
function orderData(lockMs: number) {
  return {
    id: randomUUID(),
    userId: randomUUID(),
    kind: 'primary' as const,
    matchNumber: 1,
    category: 1,
    quantity: 2,
    ticketId: null,
    amountCents: 15000,
    currency: 'USD',
    status: 'awaiting_payment' as const,
    expiresAt: new Date(Date.now() + lockMs).toISOString(),
    version: 1,
  };
}

// Orders' announcements, published by the harness: expiration may not publish orders' events.
const publish = (event: Parameters<typeof service.runtime.bus.publish>[0]) => env.publish(event);
const expiredFor = async (orderId: string) =>
  (
    await readSubject<{ id: string; data: { orderId: string; expiresAt: string } }>(
      service.runtime.bus,
      expirationEvents.expirationOrderExpired.type,
    )
  ).filter((e) => e.data.orderId === orderId);

describe('lock timers', () => {
  test('when an order is created, then a Bull delayed job keyed by the order id fires at its deadline and expiration.order.expired is published once', async () => {
    const order = orderData(3000);
    await publish(ordersEvents.orderCreated.create(order));
    const job = await eventually(async () => {
      const found = await bull.getJob(order.id);
      expect(found).not.toBeNull();
      return found as Queue.Job;
    });
    expect(await job.isDelayed()).toBe(true);
    expect(job.opts.delay).toBeGreaterThan(0);
    expect(job.opts.delay).toBeLessThanOrEqual(3000);

    expect(await expiredFor(order.id)).toEqual([]);
    await eventually(async () => expect(await expiredFor(order.id)).toHaveLength(1), 10_000, 50);
    const [event] = await expiredFor(order.id);
    expect(event?.data).toEqual({ orderId: order.id, expiresAt: order.expiresAt });
    // Not early: it was published after the deadline.
    const { rows } = await service.runtime.pool.query(
      'SELECT created_at FROM outbox WHERE id = $1',
      [event?.id],
    );
    expect(new Date(rows[0].created_at).getTime()).toBeGreaterThanOrEqual(
      new Date(order.expiresAt).getTime() - 50,
    );
    await sleep(500);
    expect(await expiredFor(order.id)).toHaveLength(1);
  });

  test('when the created event is duplicated (same id redelivered, or re-announced under new ids), then one job is scheduled and one expiry published', async () => {
    const order = orderData(1200);
    const created = ordersEvents.orderCreated.create(order);
    await Promise.all([
      publish(created),
      publish(created),
      publish(ordersEvents.orderCreated.create(order)),
      publish(ordersEvents.orderCreated.create(order)),
    ]);
    await eventually(async () => {
      const { rows } = await service.runtime.pool.query(
        "SELECT count(*)::int AS n FROM processed_events WHERE consumer = 'expiration'",
      );
      expect(rows[0].n).toBeGreaterThanOrEqual(3);
    });
    const jobs = (await bull.getJobs(['delayed', 'waiting', 'active', 'completed'])).filter(
      (j) => j.data.orderId === order.id,
    );
    expect(jobs).toHaveLength(1);
    await eventually(async () => expect(await expiredFor(order.id)).toHaveLength(1), 10_000);
    await sleep(800);
    expect(await expiredFor(order.id)).toHaveLength(1);
  });

  test('when the order is paid or cancelled before its deadline, then its job is removed and nothing is published', async () => {
    const paid = orderData(3000);
    const cancelled = orderData(3000);
    await publish(ordersEvents.orderCreated.create(paid));
    await publish(ordersEvents.orderCreated.create(cancelled));
    await eventually(async () => expect(await bull.getJob(cancelled.id)).not.toBeNull());
    await eventually(async () => expect(await bull.getJob(paid.id)).not.toBeNull());
    await publish(
      ordersEvents.orderCompleted.create({
        ...paid,
        status: 'complete',
        version: 2,
        paymentId: randomUUID(),
      }),
    );
    await publish(
      ordersEvents.orderCancelled.create({
        ...cancelled,
        status: 'cancelled',
        version: 2,
        reason: 'cancelled_by_fan',
      }),
    );
    await eventually(async () => {
      expect(await bull.getJob(paid.id)).toBeNull();
      expect(await bull.getJob(cancelled.id)).toBeNull();
    });
    // Past the deadline: had the jobs survived, they would have fired by now.
    await sleep(Math.max(0, new Date(paid.expiresAt).getTime() - Date.now()) + 1000);
    expect(await expiredFor(paid.id)).toEqual([]);
    expect(await expiredFor(cancelled.id)).toEqual([]);
  });

  test('when the order ended before its created event arrived (out of order), then no job is scheduled', async () => {
    const order = orderData(500);
    await publish(
      ordersEvents.orderCancelled.create({
        ...order,
        status: 'cancelled',
        version: 2,
        reason: 'cancelled_by_fan',
      }),
    );
    await eventually(async () => {
      const { rows } = await service.runtime.pool.query(
        'SELECT state FROM order_locks WHERE order_id = $1',
        [order.id],
      );
      expect(rows[0]?.state).toBe('ended');
    });
    await publish(ordersEvents.orderCreated.create(order));
    await sleep(1500);
    expect(await bull.getJob(order.id)).toBeNull();
    expect(await expiredFor(order.id)).toEqual([]);
  });

  test('when a job runs twice (Bull retried it after a crash), then the expiry is recorded and published once', async () => {
    const job = { orderId: randomUUID(), expiresAt: new Date().toISOString() };
    expect(await fireLock(service.runtime, job)).toBe('announced');
    expect(await fireLock(service.runtime, job)).toBe('already_announced');
    await eventually(async () => expect(await expiredFor(job.orderId)).toHaveLength(1));
  });
});

describe('resilience', () => {
  test('when Redis loses the jobs while the service is down, then a restart re-creates them from its own records and they still fire', async () => {
    const order = orderData(2500);
    await publish(ordersEvents.orderCreated.create(order));
    await eventually(async () => expect(await bull.getJob(order.id)).not.toBeNull());
    await service.close();
    await bull.empty();
    const leftover = await bull.getJob(order.id);
    if (leftover) await leftover.remove();
    expect(await bull.getJob(order.id)).toBeNull();

    service = await startExpirationService(env.env);
    expect(await bull.getJob(order.id)).not.toBeNull();
    await eventually(async () => expect(await expiredFor(order.id)).toHaveLength(1), 10_000);
  });

  test('when the service is up, then /readyz reports PostgreSQL, NATS, its consumers and Redis', async () => {
    const response = await fetch(`${service.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { postgres: 'ok', nats: 'ok', consumers: 'ok', redis: 'ok' },
    });
  });
});
