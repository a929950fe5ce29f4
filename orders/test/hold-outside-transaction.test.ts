import { createLogger, EventBus, HOLD_SUBJECT, holdRequestSchema } from '@ticketaka/common';
import {
  call,
  createTestEnvironment,
  eventually,
  newFan,
  sleep,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { startOrdersService } from '../src/orders-service';

/**
 * Orders must not hold a database connection (let alone a row lock) while tickets decides a
 * hold: a slow tickets would otherwise drain its pool and stall every other request. Here a
 * slow tickets replica answers after a while, on the real NATS, and orders' pool has 2
 * connections for 6 concurrent checkouts.
 */
let env: TestEnvironment;
let orders: Awaited<ReturnType<typeof startOrdersService>>;
let slowTickets: EventBus;
const ANSWER_AFTER_MS = 2500;
let asked = 0;

beforeAll(async () => {
  env = await createTestEnvironment('orders-hold-outside-tx');
  Object.assign(env.env, { DATABASE_POOL_SIZE: '2', HOLD_REQUEST_TIMEOUT_MS: '8000' });
  slowTickets = await EventBus.connect({
    servers: env.env.NATS_URL as string,
    namespace: env.namespace,
    service: 'tickets',
    logger: createLogger('slow-tickets', { level: 'silent' }),
  });
  slowTickets.reply(HOLD_SUBJECT, holdRequestSchema, async (request) => {
    asked += 1;
    await sleep(ANSWER_AFTER_MS);
    if (request.kind !== 'primary') throw new Error('primary holds only in this test');
    return {
      held: true as const,
      orderId: request.orderId,
      matchNumber: request.matchNumber,
      category: request.category,
      quantity: request.quantity,
      unitPriceCents: 10_000,
      amountCents: 10_000 * request.quantity,
      currency: 'USD',
      ticketId: null,
      listingId: null,
    };
  });
  orders = await startOrdersService(env.env);
});
afterAll(async () => {
  await orders.close();
  await slowTickets.close();
  await env.cleanup();
});

test('when tickets is slow to answer six concurrent checkouts, then no orders connection sits idle in a transaction, other requests are served meanwhile, and every order becomes payable', async () => {
  const fans = Array.from({ length: 6 }, () => newFan(env));
  const checkouts = fans.map((fan, i) =>
    call<{ order: { status: string } }>(orders.url, 'POST', '/api/orders', {
      token: fan.token,
      body: { matchNumber: 1 + i, category: 1, quantity: 1 },
    }),
  );
  await eventually(() => expect(asked).toBe(6));

  // Every request is now waiting on tickets: none of them holds a transaction open…
  const { rows } = await orders.runtime.pool.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'orders' AND state LIKE 'idle in transaction%'`,
  );
  expect(rows[0].n).toBe(0);
  // …so another fan's request gets a connection and its answer before tickets answers anyone.
  const other = await call(orders.url, 'GET', '/api/orders', { token: newFan(env).token });
  expect(other.status).toBe(200);
  const pending = await Promise.race([
    Promise.all(checkouts).then(() => 'answered'),
    sleep(0).then(() => 'pending'),
  ]);
  expect(pending).toBe('pending');

  const answers = await Promise.all(checkouts);
  expect(answers.map((a) => [a.status, a.body.order.status])).toEqual(
    fans.map(() => [201, 'awaiting_payment']),
  );
});
