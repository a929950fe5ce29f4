import { randomUUID } from 'node:crypto';
import Queue from 'bull';
import { expirationEvents, ordersEvents } from '@ticketaka/common';
import {
  createTestEnvironment,
  eventually,
  readSubject,
  sleep,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { EXPIRATION_QUEUE_NAME } from '../src/data-access/expiration-queue';
import { startExpirationService } from '../src/expiration-service';

// Kubernetes runs expiration with several replicas (infra/k8s/expiration.yaml, HPA): they share
// one durable consumer, one Bull queue and one outbox. This is what makes that safe.
let env: TestEnvironment;
let replicas: Awaited<ReturnType<typeof startExpirationService>>[] = [];

beforeAll(async () => {
  env = await createTestEnvironment('expiration_replicas');
  replicas = [await startExpirationService(env.env), await startExpirationService(env.env)];
});
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  const bull = new Queue(EXPIRATION_QUEUE_NAME, env.env.REDIS_URL as string, {
    prefix: env.env.REDIS_PREFIX,
  });
  await bull.obliterate({ force: true }).catch(() => undefined);
  await bull.close();
  await env.cleanup();
});

test('when two replicas run and every created event reaches both (duplicated), then each order expires exactly once', async () => {
  const orders = Array.from({ length: 12 }, () => ({
    id: randomUUID(),
    userId: randomUUID(),
    kind: 'primary' as const,
    matchNumber: 1,
    category: 1,
    quantity: 1,
    ticketId: null,
    amountCents: 7500,
    currency: 'USD',
    status: 'awaiting_payment' as const,
    expiresAt: new Date(Date.now() + 1500).toISOString(),
    version: 1,
  }));
  // Each order announced twice under different event ids (once per replica), as a redelivery might.
  await Promise.all(
    orders.flatMap((order) =>
      replicas.map(() => env.publish(ordersEvents.orderCreated.create(order))),
    ),
  );
  const expired = async () =>
    (
      await readSubject<{ data: { orderId: string } }>(
        replicas[0]!.runtime.bus,
        expirationEvents.expirationOrderExpired.type,
      )
    ).map((e) => e.data.orderId);
  await eventually(async () => expect(new Set(await expired()).size).toBe(orders.length), 15_000);
  await sleep(1000);
  const ids = await expired();
  expect(ids.sort()).toEqual(orders.map((o) => o.id).sort());
});
