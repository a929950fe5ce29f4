/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON, read by assertions */
import path from 'node:path';
import { createLogger, EventBus, listDeadLetters } from '@ticketaka/common';
import {
  BROWSER,
  call,
  createTestEnvironment,
  eventually,
  newFan,
  sleep,
  type Fan,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { freePort } from '../src/process/port';
import { startGateway } from '../src/servers/nginx-gateway.server';
import type { RunningServer } from '../src/servers/server';
import { serviceDefinitions } from '../src/services';
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
 * Every backend service as a real process on PostgreSQL, NATS and Redis of this file's own
 * (ports +600), while fans keep buying on the purchase path and others sign in, read their
 * notifications and recommendations and an admin reads the statistics through the gateway
 * and its security check; each server is stopped and started again under them. Nothing may
 * exit, answer 500 or lose a paid order.
 */
const PORT_OFFSET = 600;
const CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2034, cvc: '123' };

let servers: PrivateServers;
let env: TestEnvironment;
const services: Record<string, ServiceProcess> = {};
let gateway: RunningServer;
const ACCOUNT_PASSWORD = 'outage-password-1';
const accounts: string[] = [];

beforeAll(async () => {
  servers = await startPrivateServers({ label: 'outages', portOffset: PORT_OFFSET });
  env = await createTestEnvironment('outages', { servers: servers.env });
  Object.assign(env.env, {
    LOG_LEVEL: 'warn',
    ORDER_LOCK_SECONDS: '300',
    ORDER_SWEEP_INTERVAL_MS: '500',
    REFUND_RETRY_INTERVAL_MS: '500',
    HOLD_REQUEST_TIMEOUT_MS: '2000',
    // Every visitor here comes from loopback: the per-address limits are off for it
    // (explicit configuration, as for a load test), the per-account ones stay.
    SECURITY_LOAD_TEST_SOURCES: '127.0.0.1/32',
  });
  // In the registry's start order: security before auth, which asks it about sign-ins.
  for (const { name } of serviceDefinitions) {
    if (name === 'client' || name === 'kafka-bridge') continue;
    services[name] = await startServiceProcess(name, env.env, {
      portOffset: PORT_OFFSET,
      logDir: path.join(servers.home, 'service-logs'),
    });
  }
  const hostOf = (service: ServiceProcess) => service.url.replace('http://', '');
  gateway = await startGateway(
    {
      listenPort: await freePort(),
      upstreams: Object.fromEntries(Object.values(services).map((s) => [s.name, hostOf(s)])),
      securityCheckUpstream: hostOf(services.security!),
      trustedProxies: [],
      // The fail policy is the subject here, not the 50 ms budget of a quiet machine.
      checkTimeoutMs: 2000,
    },
    { ...env.env, TICKETAKA_HOME: servers.home },
  );
  for (let i = 0; i < 3; i += 1) {
    const email = `outage-${env.namespace}-${i}@example.com`;
    const signedUp = await call(services.auth!.url, 'POST', '/api/users/signup', {
      body: { email, password: ACCOUNT_PASSWORD, displayName: `Visitor ${i}`, country: 'FR' },
    });
    expect(signedUp.status).toBe(201);
    accounts.push(email);
  }
}, 240_000);

afterAll(async () => {
  await gateway?.stop();
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

interface Visit {
  service: string;
  status: number;
}

/** What fans and an admin do besides buying, through the gateway as they meet it. */
const visits = (fan: Fan, admin: Fan, email: string) => [
  {
    service: 'auth',
    path: '/api/users/signin',
    method: 'POST',
    body: { email, password: ACCOUNT_PASSWORD },
  },
  { service: 'notifications', path: '/api/notifications', method: 'GET', token: fan.token },
  { service: 'analytics', path: '/api/recommendations', method: 'GET', token: fan.token },
  { service: 'analytics', path: '/api/analytics/stats', method: 'GET', token: admin.token },
];

async function visit(v: ReturnType<typeof visits>[number]): Promise<Visit> {
  const answer = await call(gateway.url, v.method, v.path, {
    token: v.token,
    body: v.body,
    headers: BROWSER,
  }).catch(() => ({ status: 0 }));
  return { service: v.service, status: answer.status };
}

/** Visitors going round those routes until told to stop. */
function startVisiting() {
  const seen: Visit[] = [];
  let stopping = false;
  const admin = newFan(env, 'admin');
  const running = (async () => {
    for (let i = 0; !stopping; i += 1) {
      const all = visits(newFan(env), admin, accounts[i % accounts.length] as string);
      seen.push(...(await Promise.all(all.map(visit))));
      await sleep(250);
    }
  })();
  return {
    seen,
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

// Whether the visitors' reads must meet a refusal: without PostgreSQL nothing is read; without
// Redis no session can be checked against its revocations (fail closed); without NATS reads
// and sign-ins go on (the sign-in guard fails open by default).
test.each<[CoreServerName, number, boolean]>([
  ['postgres', 8_000, true],
  ['nats', 5_000, false],
  ['redis', 5_000, true],
])(
  'when %s stops for a while and comes back under every running service, buying fans and visitors through the gateway, then no service exits, readiness goes red and green again, refusals are 503 with Retry-After, every route serves again, and every paid order completes',
  async (server, downMs, visitorsRefused) => {
    const load = startBuying(3);
    const visitors = startVisiting();
    await sleep(1500);
    const stopped = servers.restart(server, downMs);
    await sleep(Math.min(downMs - 1000, 3000));
    // While the server is away, the services say so.
    const red = await Promise.all(Object.values(services).map((s) => readiness(s.url)));
    expect(red.some((r) => r.status === 503)).toBe(true);
    await stopped;
    await sleep(3000);
    await load.stop();
    await visitors.stop();
    // Fans were refused while it was away (and told when to come back), not failed.
    expect(load.purchases.some((p) => p.orderStatus === 503 || p.paymentStatus === 503)).toBe(true);
    await expectEveryServiceRunningAndReady();
    await expectNothingLost(load.purchases);
    // Through the gateway too, an outage is a 503 (or the route's fail-open verdict), never
    // another 5xx and never a dropped connection; and every route serves again afterwards.
    const failed = visitors.seen.filter(
      (v) => v.status === 0 || (v.status >= 500 && v.status !== 503),
    );
    expect(failed).toEqual([]);
    expect(visitors.seen.length).toBeGreaterThan(0);
    if (visitorsRefused) expect(visitors.seen.some((v) => v.status === 503)).toBe(true);
    // Reads and sign-ins fail open, so a check that stayed broken would not show above:
    // ask security itself for a verdict that needs Redis (the per-network order quota).
    await eventually(async () => {
      const checked = await fetch(`${services.security!.url}/internal/check?policy=purchase`, {
        headers: {
          ...BROWSER,
          'x-real-ip': '203.0.113.9',
          'x-original-method': 'POST',
          'x-original-uri': '/api/orders',
        },
      });
      expect([checked.status, checked.headers.get('x-security-verdict')]).toEqual([204, 'allow']);
    }, 30_000);
    const admin = newFan(env, 'admin');
    for (const v of visits(newFan(env), admin, accounts[0] as string))
      await eventually(
        async () => expect(await visit(v)).toEqual({ service: v.service, status: 200 }),
        30_000,
      );
  },
  150_000,
);
