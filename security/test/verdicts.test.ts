import { randomUUID } from 'node:crypto';
import { ordersEvents } from '@ticketaka/common';
import {
  createTestEnvironment,
  eventually,
  newFan,
  readSubject,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { startSecurityService, type SecurityService } from '../src/security-service';
import { BROWSER, solvedAltcha } from '@ticketaka/common/testing';
import { check, freshIp, GOOGLEBOT } from './security-test-kit';

let env: TestEnvironment;
let security: SecurityService;
const challengeUrl = () => `${security.url}/api/security/challenge`;

beforeAll(async () => {
  env = await createTestEnvironment('security-verdicts');
  security = await startSecurityService({
    ...env.env,
    RATE_BROWSE_PER_IP: '10',
    VELOCITY_PER_SECOND: '1000',
    SIGNUPS_PER_IP: '2',
    SIGNUPS_PER_NETWORK: '4',
    SIGNUPS_PER_FINGERPRINT: '1000',
    ORDER_COOLDOWN_SECONDS: '30',
    AUTO_BAN_AFTER_REFUSALS: '5',
    ALTCHA_MAX_NUMBER: '2000',
    EVENT_SAMPLE_MS: '0',
  });
});
afterAll(async () => {
  await security?.close();
  await env.cleanup();
});

function order(userId: string, kind: 'primary' | 'resale' = 'primary') {
  return {
    id: randomUUID(),
    userId,
    kind,
    matchNumber: 1,
    category: 1,
    quantity: 2,
    ticketId: kind === 'resale' ? randomUUID() : null,
    amountCents: 20_000,
    currency: 'USD',
    status: 'awaiting_payment' as const,
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    version: 1,
  };
}

test('when a browser reads the catalogue, then the check allows it with 204', async () => {
  const answer = await check(security.url, { ip: freshIp() });
  expect(answer).toMatchObject({ status: 204, verdict: 'allow' });
});

test('when a known bot user agent asks, then it is blocked with a reference and a blocked event names the reason', async () => {
  const ip = freshIp();
  const answer = await check(security.url, { ip, headers: GOOGLEBOT });
  expect(answer).toMatchObject({ status: 403, verdict: 'blocked' });
  const reference = answer.headers.get('x-security-reference');
  expect(reference).toMatch(/^[0-9a-f]{16}$/);
  expect(answer.body?.errors[0]).toEqual({
    code: 'blocked',
    message: 'This request was refused',
    reference,
  });
  await eventually(async () => {
    const events = await readSubject<{ data: { ip: string; reason: string; reference: string } }>(
      security.runtime.bus,
      'security.request.blocked',
    );
    expect(events.map((e) => e.data)).toContainEqual(
      expect.objectContaining({ ip, reason: 'known_bot', reference }),
    );
  });
});

test('when one address exceeds the browse limit, then it is rate limited with Retry-After and RateLimit headers', async () => {
  const ip = freshIp();
  for (let i = 0; i < 10; i++) expect((await check(security.url, { ip })).status).toBe(204);
  const limited = await check(security.url, { ip });
  expect(limited).toMatchObject({ status: 403, verdict: 'rate_limited' });
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(limited.headers.get('ratelimit-policy')).toBe('"browse";q=10;w=60');
  expect(limited.headers.get('ratelimit')).toMatch(/^"browse";r=0;t=\d+$/);
  expect(limited.body?.errors[0]?.code).toBe('rate_limited');
  // Another address is not affected.
  expect((await check(security.url, { ip: freshIp() })).status).toBe(204);
});

test('when a sign-up comes without a proof-of-work, then a challenge is required; solved it passes once and a replay is refused', async () => {
  const ip = freshIp();
  const signup = { ip, method: 'POST', path: '/api/users/signup', policy: 'signup' as const };
  expect(await check(security.url, signup)).toMatchObject({ status: 403, verdict: 'challenge' });
  const altcha = await solvedAltcha(challengeUrl());
  expect(await check(security.url, { ...signup, altcha })).toMatchObject({ verdict: 'allow' });
  expect(await check(security.url, { ...signup, altcha })).toMatchObject({ verdict: 'challenge' });
  // A wrong number with a genuine signature is not a solution.
  const forged = JSON.parse(Buffer.from(await solvedAltcha(challengeUrl()), 'base64').toString());
  forged.number += 1;
  const tampered = Buffer.from(JSON.stringify(forged)).toString('base64');
  expect(await check(security.url, { ...signup, altcha: tampered })).toMatchObject({
    verdict: 'challenge',
  });
  expect(await check(security.url, { ...signup, altcha: 'not base64 json' })).toMatchObject({
    verdict: 'challenge',
  });
});

test('when one address or one /24 creates accounts beyond its quota, then further sign-ups are rate limited even with solved challenges', async () => {
  const signup = (ip: string) =>
    solvedAltcha(challengeUrl()).then((altcha) =>
      check(security.url, {
        ip,
        method: 'POST',
        path: '/api/users/signup',
        policy: 'signup',
        altcha,
      }),
    );
  const one = '203.0.113.10';
  expect((await signup(one)).verdict).toBe('allow');
  expect((await signup(one)).verdict).toBe('allow');
  expect(await signup(one)).toMatchObject({ verdict: 'rate_limited' });
  // Botnet on one /24: a fresh address each time, still capped for the network (3 used above).
  expect((await signup('203.0.113.11')).verdict).toBe('allow');
  expect(await signup('203.0.113.12')).toMatchObject({ verdict: 'rate_limited' });
  expect((await signup('192.0.2.50')).verdict).toBe('allow');
});

test('when the same IPv6 /64 signs up from many addresses, then it counts as one network', async () => {
  const signup = (ip: string) =>
    solvedAltcha(challengeUrl()).then((altcha) =>
      check(security.url, {
        ip,
        method: 'POST',
        path: '/api/users/signup',
        policy: 'signup',
        altcha,
      }),
    );
  for (const host of ['1', '2', 'a:b', 'ffff:1']) {
    expect((await signup(`2001:db8:1:2::${host}`)).verdict).toBe('allow');
  }
  expect(await signup('2001:db8:1:2:ffff::9')).toMatchObject({ verdict: 'rate_limited' });
  expect((await signup('2001:db8:1:3::1')).verdict).toBe('allow');
});

test('when an account holds the maximum of unpaid orders, then a new order is refused but reads and cancels are not; once one ends a cool-down applies', async () => {
  const fan = newFan(env);
  const ip = freshIp();
  const place = () =>
    check(security.url, {
      ip,
      method: 'POST',
      path: '/api/orders',
      policy: 'purchase',
      token: fan.token,
    });
  expect((await place()).verdict).toBe('allow');
  const first = order(fan.user.id);
  await env.publish(ordersEvents.orderCreated.create(first));
  await env.publish(ordersEvents.orderCreated.create(order(fan.user.id)));
  await eventually(async () => {
    const refused = await place();
    expect(refused).toMatchObject({ verdict: 'rate_limited' });
    expect(refused.headers.get('ratelimit-policy')).toContain('unpaid-orders');
  });
  const read = {
    ip,
    method: 'GET',
    path: '/api/orders',
    policy: 'purchase' as const,
    token: fan.token,
  };
  expect((await check(security.url, read)).verdict).toBe('allow');
  const cancel = { ...read, method: 'DELETE', path: `/api/orders/${first.id}` };
  expect((await check(security.url, cancel)).verdict).toBe('allow');

  await env.publish(
    ordersEvents.orderCancelled.create({
      ...first,
      status: 'cancelled',
      reason: 'by_fan',
      version: 2,
    }),
  );
  await eventually(async () => {
    const cooling = await place();
    expect(cooling.verdict).toBe('rate_limited');
    expect(cooling.headers.get('ratelimit-policy')).toContain('order-cooldown');
    expect(Number(cooling.headers.get('retry-after'))).toBeLessThanOrEqual(30);
  });
  // A redelivered `created` for the ended order does not count it again.
  await env.publish(ordersEvents.orderCreated.create(first));
  await eventually(async () => {
    expect((await security.orders.standing(fan.user.id)).unpaidOrders).toBe(1);
  });
});

test('when a buyer already holds a live resale lock, then a further order is refused', async () => {
  const fan = newFan(env);
  await env.publish(ordersEvents.orderCreated.create(order(fan.user.id, 'resale')));
  await eventually(async () => {
    const refused = await check(security.url, {
      ip: freshIp(),
      method: 'POST',
      path: '/api/orders',
      policy: 'purchase',
      token: fan.token,
    });
    expect(refused.verdict).toBe('rate_limited');
    expect(refused.headers.get('ratelimit-policy')).toContain('resale-locks');
  });
});

test("when a client lacks browser headers, then its orders need a proof-of-work while a browser's do not", async () => {
  const fan = newFan(env);
  const base = {
    method: 'POST',
    path: '/api/orders',
    policy: 'purchase' as const,
    token: fan.token,
  };
  // A browser's user agent copied into a script that sends nothing else a browser sends.
  const script = { 'accept-language': '' };
  expect(await check(security.url, { ...base, ip: freshIp(), headers: script })).toMatchObject({
    verdict: 'challenge',
  });
  const altcha = await solvedAltcha(challengeUrl());
  expect(
    (await check(security.url, { ...base, ip: freshIp(), headers: script, altcha })).verdict,
  ).toBe('allow');
  expect((await check(security.url, { ...base, ip: freshIp() })).verdict).toBe('allow');
});

test('when one address keeps getting refused, then it is banned automatically for a while and even its browser requests are blocked', async () => {
  const ip = freshIp();
  for (let i = 0; i < 6; i++) await check(security.url, { ip, headers: GOOGLEBOT });
  await eventually(async () => {
    const entries = await security.blocklist.list();
    const ban = entries.find((e) => e.network === `${ip}/32`);
    expect(ban).toMatchObject({ automatic: true, author: 'security:auto' });
    expect(Date.parse(ban!.expiresAt!)).toBeGreaterThan(Date.now());
  });
  await eventually(async () =>
    expect(await check(security.url, { ip, headers: BROWSER })).toMatchObject({
      verdict: 'blocked',
    }),
  );
});

test('when the address is missing or not an IP, then the request is blocked rather than counted under a shared key', async () => {
  expect((await check(security.url, { ip: 'not-an-ip' })).verdict).toBe('blocked');
});
