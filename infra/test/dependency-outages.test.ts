/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON, read by assertions */
import path from 'node:path';
import { createLogger, EventBus, listDeadLetters } from '@ticketaka/common';
import {
  call,
  createTestEnvironment,
  eventually,
  newFan,
  sleep,
  type Fan,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import {
  startPrivateServers,
  type CoreServerName,
  type PrivateServers,
} from '../src/testing/private-servers';
import {
  readiness,
  startServiceProcess,
  stopServiceProcess,
  waitUntilReady,
  type ServiceProcess,
} from '../src/testing/service-processes';

/**
 * The purchase path as four real service processes on PostgreSQL, NATS and Redis of this
 * file's own (ports +600), while fans keep buying; each server is stopped and started
 * again under them. Nothing may exit, answer 500 or lose a paid order.
 */
const PORT_OFFSET = 600;
const CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2034, cvc: '123' };

let servers: PrivateServers;
let env: TestEnvironment;
const services: Record<string, ServiceProcess> = {};

beforeAll(async () => {
  servers = await startPrivateServers({ label: 'outages', portOffset: PORT_OFFSET });
  env = await createTestEnvironment('outages', { servers: servers.env });
  Object.assign(env.env, {
    LOG_LEVEL: 'warn',
    ORDER_LOCK_SECONDS: '300',
    ORDER_SWEEP_INTERVAL_MS: '500',
    REFUND_RETRY_INTERVAL_MS: '500',
    HOLD_REQUEST_TIMEOUT_MS: '2000',
  });
  for (const name of ['tickets', 'orders', 'expiration', 'payments']) {
    services[name] = await startServiceProcess(name, env.env, {
      portOffset: PORT_OFFSET,
      logDir: path.join(servers.home, 'service-logs'),
    });
  }
}, 180_000);

afterAll(async () => {
  for (const service of Object.values(services)) await stopServiceProcess(service);
  await env?.cleanup().catch(() => undefined);
  await servers?.stopAll();
}, 120_000);

interface Purchase {
  fan: Fan;
  orderId?: string;
  orderStatus: number;
  paymentStatus?: number;
}

/** Fans buying one ticket each and paying at once, a few at a time, until told to stop. */
function startBuying(concurrency: number) {
  const purchases: Purchase[] = [];
  let stopping = false;
  const buyer = async (n: number) => {
    for (let i = 0; !stopping; i += 1) {
      const fan = newFan(env);
      const body = { matchNumber: 1 + ((n * 7 + i) % 64), category: 1 + (i % 3), quantity: 1 };
      const purchase: Purchase = { fan, orderStatus: 0 };
      purchases.push(purchase);
      const order = await call(services.orders!.url, 'POST', '/api/orders', {
        token: fan.token,
        body,
      }).catch(() => ({ status: 0, body: undefined as any, headers: new Headers() }));
      purchase.orderStatus = order.status;
      if (order.status === 201) {
        purchase.orderId = order.body.order.id;
        const paid = await call(services.payments!.url, 'POST', '/api/payments', {
          token: fan.token,
          body: { orderId: purchase.orderId, card: CARD },
        }).catch(() => ({ status: 0 }));
        purchase.paymentStatus = paid.status;
      } else if (order.status === 503) {
        expect(order.headers.get('retry-after')).toMatch(/^\d+$/);
      }
      await sleep(100);
    }
  };
  const running = Promise.all(Array.from({ length: concurrency }, (_, n) => buyer(n)));
  return {
    purchases,
    stop: async () => {
      stopping = true;
      await running;
    },
  };
}

async function expectEveryServiceRunningAndReady() {
  for (const service of Object.values(services)) expect(service.ended()).toBeUndefined();
  for (const service of Object.values(services)) await waitUntilReady(service, 60_000);
}

async function expectNothingLost(purchases: Purchase[]) {
  // A dependency outage may refuse a request (503) but never fails one as a bug (500).
  const statuses = new Set(purchases.flatMap((p) => [p.orderStatus, p.paymentStatus ?? 201]));
  expect([...statuses].filter((s) => s >= 500 && s !== 503)).toEqual([]);
  const paid = purchases.filter((p) => p.paymentStatus === 202);
  expect(paid.length).toBeGreaterThan(0);
  for (const purchase of paid) {
    await eventually(async () => {
      const { body } = await call(services.orders!.url, 'GET', `/api/orders/${purchase.orderId}`, {
        token: purchase.fan.token,
      });
      expect(body.order.status).toBe('complete');
    }, 60_000);
  }
  const bus = await EventBus.connect({
    servers: env.env.NATS_URL as string,
    namespace: env.namespace,
    service: 'outage-check',
    user: 'admin',
    credentialsDir: env.env.CREDENTIALS_DIR,
    logger: createLogger('outage-check', { level: 'silent' }),
  });
  try {
    expect(await listDeadLetters(bus)).toEqual([]);
  } finally {
    await bus.close();
  }
}

test.each<[CoreServerName, number]>([
  ['postgres', 8_000],
  ['nats', 5_000],
  ['redis', 5_000],
])(
  'when %s stops for a while and comes back under running services and buying fans, then no service exits, readiness goes red and green again, refusals are 503 with Retry-After, and every paid order completes',
  async (server, downMs) => {
    const load = startBuying(3);
    await sleep(1500);
    const stopped = servers.restart(server, downMs);
    await sleep(Math.min(downMs - 1000, 3000));
    // While the server is away, the services say so.
    const red = await Promise.all(Object.values(services).map((s) => readiness(s.url)));
    expect(red.some((r) => r.status === 503)).toBe(true);
    await stopped;
    await sleep(3000);
    await load.stop();
    // Fans were refused while it was away (and told when to come back), not failed.
    expect(load.purchases.some((p) => p.orderStatus === 503 || p.paymentStatus === 503)).toBe(true);
    await expectEveryServiceRunningAndReady();
    await expectNothingLost(load.purchases);
  },
  150_000,
);
