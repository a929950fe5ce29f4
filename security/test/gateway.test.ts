import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  BROWSER,
  call,
  createTestEnvironment,
  newFan,
  solvedAltcha,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { startGateway } from '../../infra/src/servers/nginx-gateway.server';
import type { RunningServer } from '../../infra/src/servers/server';
import { startAuthService } from '../../auth/src/auth-service';
import { startOrdersService } from '../../orders/src/orders-service';
import { startTicketsService } from '../../tickets/src/tickets-service';
import { startSecurityService, type SecurityService } from '../src/security-service';
import { GOOGLEBOT } from './security-test-kit';
import { freePort } from '../../infra/src/process/port';

/**
 * The check as fans meet it: real nginx rendered from the routing table, the real security
 * service, and real auth, tickets and orders behind it. Two gateways: one as shipped (no
 * trusted proxies), one that believes X-Forwarded-For from loopback, to simulate many
 * client addresses.
 */
let env: TestEnvironment;
let security: SecurityService;
let securityPort: number;
const services: { close(): Promise<unknown> }[] = [];
const gateways: RunningServer[] = [];
const homes: string[] = [];
let plain: string;
let proxied: string;
let shipped: string;

async function gateway(
  upstreams: Record<string, string>,
  trustedProxies: string[],
  checkTimeoutMs?: number,
) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-gw-'));
  homes.push(home);
  const listenPort = await freePort();
  const started = await startGateway(
    {
      listenPort,
      upstreams,
      securityCheckUpstream: `127.0.0.1:${securityPort}`,
      trustedProxies,
      checkTimeoutMs,
      streamsPerIp: 2,
      streamsTotal: 3,
    },
    { ...process.env, TICKETAKA_HOME: home },
  );
  gateways.push(started);
  return `http://127.0.0.1:${listenPort}`;
}

beforeAll(async () => {
  env = await createTestEnvironment('security-gateway');
  securityPort = await freePort();
  security = await startSecurityService({
    ...env.env,
    PORT: String(securityPort),
    RATE_BROWSE_PER_IP: '40',
    VELOCITY_PER_SECOND: '1000',
    ALTCHA_MAX_NUMBER: '2000',
  });
  const tickets = await startTicketsService(env.env);
  const orders = await startOrdersService(env.env);
  const auth = await startAuthService(env.env);
  services.push(auth, orders, tickets);
  const upstream = (url: string) => url.replace('http://', '');
  const upstreams = {
    auth: upstream(auth.url),
    tickets: upstream(tickets.url),
    orders: upstream(orders.url),
    security: `127.0.0.1:${securityPort}`,
  };
  // Generous check timeouts where the test is about verdicts, so a loaded test machine does
  // not turn a verdict into the fail policy; the shipped 50 ms where the fail policy is tested.
  plain = await gateway(upstreams, [], 2000);
  proxied = await gateway(upstreams, ['127.0.0.1'], 2000);
  shipped = await gateway(upstreams, []);
}, 120_000);

afterAll(async () => {
  for (const g of gateways) await g.stop();
  await security?.close();
  for (const s of services) await s.close();
  await env.cleanup();
  for (const home of homes) fs.rmSync(home, { recursive: true, force: true });
});

const as = (ip: string, headers: Record<string, string> = {}) => ({
  headers: { ...BROWSER, 'x-forwarded-for': ip, ...headers },
});

test('when a browser reads the catalogue through the gateway, then it is answered by tickets with the security headers', async () => {
  const answer = await call(plain, 'GET', '/api/matches', { headers: BROWSER });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('strict-transport-security')).toContain('max-age=');
  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  // One copy of each header, although tickets sets them as well.
  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  expect(answer.headers.get('strict-transport-security')).not.toContain(',');
});

test('when a client sends its own X-Forwarded-For to the shipped gateway, then it is not believed: a banned address cannot be claimed and a ban cannot be escaped', async () => {
  const admin = newFan(env, 'admin').token;
  const banned = await call(security.url, 'POST', '/api/security/blocklist', {
    token: admin,
    body: { network: '203.0.113.5', reason: 'test' },
  });
  expect(banned.status).toBe(201);
  expect((await call(plain, 'GET', '/api/matches', as('203.0.113.5'))).status).toBe(200);
  // Through the gateway that trusts loopback, the same header is the client's address.
  expect((await call(proxied, 'GET', '/api/matches', as('203.0.113.5'))).status).toBe(403);

  const self = await call(security.url, 'POST', '/api/security/blocklist', {
    token: admin,
    body: { network: '127.0.0.1', reason: 'test: the real peer' },
  });
  try {
    expect((await call(plain, 'GET', '/api/matches', as('192.0.2.1'))).status).toBe(403);
    expect((await call(plain, 'GET', '/api/matches', as('192.0.2.1, 10.0.0.1'))).status).toBe(403);
  } finally {
    await call(
      security.url,
      'DELETE',
      `/api/security/blocklist/${(self.body as { id: string }).id}`,
      {
        token: admin,
      },
    );
  }
  expect((await call(plain, 'GET', '/api/matches', as('192.0.2.1'))).status).toBe(200);
});

test('when an address is blocked, then the client gets 403 with the contract body and a reference, nothing internal', async () => {
  const answer = await call(proxied, 'GET', '/api/matches', as('203.0.113.5'));
  expect(answer.status).toBe(403);
  expect(answer.headers.get('content-type')).toContain('application/json');
  expect(answer.body).toEqual({
    errors: [
      {
        code: 'blocked',
        message: 'This request was refused',
        reference: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    ],
  });
  expect(answer.headers.get('x-security-verdict')).toBeNull();
});

test('when a known bot scrapes, then it gets 403 blocked', async () => {
  const answer = await call(proxied, 'GET', '/api/matches', as('192.0.2.20', GOOGLEBOT));
  expect(answer.status).toBe(403);
  expect(answer.body).toMatchObject({ errors: [{ code: 'blocked' }] });
});

test('when one address floods reads, then it gets 429 with Retry-After and the RateLimit headers, and others are unaffected', async () => {
  const ip = '192.0.2.30';
  const statuses: number[] = [];
  for (let i = 0; i < 41; i++)
    statuses.push((await call(proxied, 'GET', '/api/matches', as(ip))).status);
  expect(statuses.slice(0, 40).every((s) => s === 200)).toBe(true);
  const limited = await call(proxied, 'GET', '/api/matches', as(ip));
  expect(limited.status).toBe(429);
  expect(limited.body).toEqual({ errors: [{ code: 'rate_limited', message: expect.any(String) }] });
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(limited.headers.get('ratelimit-policy')).toBe('"browse";q=40;w=60');
  expect(limited.headers.get('ratelimit')).toMatch(/^"browse";r=0;t=\d+$/);
  expect(limited.headers.get('x-content-type-options')).toBe('nosniff');
  expect((await call(proxied, 'GET', '/api/matches', as('192.0.2.31'))).status).toBe(200);
});

test('when a sign-up comes without a proof-of-work, then 428 points to the challenge; solved through the gateway it succeeds once and a replay gets 428 again', async () => {
  const ip = '192.0.2.40';
  const body = {
    email: 'gw-fan@example.com',
    password: 'a long enough password',
    displayName: 'Fan',
    country: 'MX',
  };
  const first = await call(proxied, 'POST', '/api/users/signup', { body, ...as(ip) });
  expect(first.status).toBe(428);
  expect(first.body).toEqual({
    errors: [{ code: 'challenge_required', message: expect.any(String) }],
    challenge: { url: '/api/security/challenge' },
  });
  const altcha = await solvedAltcha(`${proxied}/api/security/challenge`, { 'x-forwarded-for': ip });
  const solved = await call(proxied, 'POST', '/api/users/signup', {
    body,
    headers: { ...as(ip).headers, 'x-altcha': altcha },
  });
  expect(solved.status).toBe(201);
  const replay = await call(proxied, 'POST', '/api/users/signup', {
    body: { ...body, email: 'gw-fan-2@example.com' },
    headers: { ...as(ip).headers, 'x-altcha': altcha },
  });
  expect(replay.status).toBe(428);
});

test('when one address opens more live streams than allowed, or all clients together exceed the total, then the extra stream gets 429', async () => {
  const open = async (ip: string) => {
    const controller = new AbortController();
    const response = await fetch(`${proxied}/api/matches/stream`, {
      headers: as(ip).headers,
      signal: controller.signal,
    });
    return {
      status: response.status,
      body: response.status === 429 ? await response.json() : undefined,
      close: () => controller.abort(),
    };
  };
  const streams = [await open('192.0.2.50'), await open('192.0.2.50')];
  try {
    expect(streams.map((s) => s.status)).toEqual([200, 200]);
    const third = await open('192.0.2.50');
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ errors: [{ code: 'rate_limited' }] });
    streams.push(await open('192.0.2.51'));
    expect(streams[2]?.status).toBe(200);
    const overTotal = await open('192.0.2.52');
    expect(overTotal.status).toBe(429);
  } finally {
    for (const s of streams) s.close();
  }
});

describe('when the security service is stopped or too slow', () => {
  let hang: net.Server | undefined;
  const sockets: net.Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => (hang ? hang.close(r) : r(undefined)));
  });

  const expectFailPolicy = async () => {
    const fan = newFan(env);
    // Reads fail open: they reach the services.
    expect((await call(shipped, 'GET', '/api/matches', { headers: BROWSER })).status).toBe(200);
    expect((await call(shipped, 'GET', '/api/orders', { headers: BROWSER })).status).toBe(401);
    expect(
      (await call(shipped, 'GET', '/api/orders', { headers: BROWSER, token: fan.token })).status,
    ).toBe(200);
    // Sign-in fails open too (auth's own guard and Argon2 cap still apply).
    const signin = await call(shipped, 'POST', '/api/users/signin', {
      headers: BROWSER,
      body: { email: 'nobody@example.com', password: 'wrong password' },
    });
    expect(signin.status).toBe(401);
    // Sign-up and orders fail closed, with the contract's 503.
    for (const [route, body] of [
      [
        '/api/users/signup',
        {
          email: 'x@example.com',
          password: 'a long enough password',
          displayName: 'X',
          country: 'FR',
        },
      ],
      ['/api/orders', { matchNumber: 1, category: 1, quantity: 1 }],
    ] as const) {
      const refused = await call(shipped, 'POST', route, {
        headers: BROWSER,
        token: fan.token,
        body,
      });
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({
        errors: [{ code: 'unavailable', message: expect.any(String) }],
      });
      expect(refused.headers.get('retry-after')).toBe('5');
    }
  };

  test('stopped: reads and sign-in pass (fail-open), sign-up and orders get 503 (fail-closed)', async () => {
    await security.close();
    await expectFailPolicy();
  });

  test('slower than 50 ms (accepts the connection, never answers): the same policy applies, and quickly', async () => {
    hang = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => hang!.listen(securityPort, '127.0.0.1', () => r()));
    const started = Date.now();
    await expectFailPolicy();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(sockets.length).toBeGreaterThan(0);
  });
});
