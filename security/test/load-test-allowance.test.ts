import { createTestEnvironment, newFan, type TestEnvironment } from '@ticketaka/common/testing';
import { securityConfigSchema } from '../src/config';
import { startSecurityService, type SecurityService } from '../src/security-service';
import { check, freshIp, GOOGLEBOT, type CheckCall } from './security-test-kit';

let env: TestEnvironment;
/** Started with the defaults: no load-test source. */
let plain: SecurityService;
/** Started with loopback and one documentation /24 listed as load-test sources. */
let allowing: SecurityService;

// Low limits, so a handful of checks from one address is already "too many".
const tight = {
  VELOCITY_PER_SECOND: '3',
  RATE_BROWSE_PER_IP: '4',
  RATE_PURCHASE_PER_IP: '4',
  RATE_PURCHASE_PER_ACCOUNT: '3',
  SIGNUPS_PER_IP: '1',
  ORDERS_PER_NETWORK: '2',
  AUTO_BAN_AFTER_REFUSALS: '2',
  EVENT_SAMPLE_MS: '0',
};

beforeAll(async () => {
  env = await createTestEnvironment('security-load-test');
  plain = await startSecurityService({ ...env.env, ...tight });
  allowing = await startSecurityService({
    ...env.env,
    ...tight,
    SECURITY_LOAD_TEST_SOURCES: '127.0.0.0/8, 203.0.113.0/24',
  });
});
afterAll(async () => {
  await plain?.close();
  await allowing?.close();
  await env.cleanup();
});

async function checks(url: string, call: CheckCall, times: number) {
  const answers = [];
  for (let i = 0; i < times; i += 1) answers.push(await check(url, call));
  return answers;
}

test('when nothing is configured, then the allowance is off: the list is empty and loopback is rate limited like any address', async () => {
  expect(securityConfigSchema.parse({}).SECURITY_LOAD_TEST_SOURCES).toEqual([]);
  // Not 127.0.0.1: this address ends up automatically banned, on both services (one database).
  const answers = await checks(plain.url, { ip: '127.0.0.5' }, 8);
  expect(answers.map((a) => a.verdict)).toContain('rate_limited');
  expect(answers.every((a) => a.headers.get('x-security-allowance') === null)).toBe(true);
});

test('when a source is configured, then its reads pass every per-address limit and each verdict says the allowance was used', async () => {
  const answers = await checks(allowing.url, { ip: '127.0.0.1' }, 20);
  expect(answers.map((a) => a.verdict)).toEqual(Array(20).fill('allow'));
  expect(answers.every((a) => a.headers.get('x-security-allowance') === 'load-test')).toBe(true);
  const metrics = await (await fetch(`${allowing.url}/metrics`)).text();
  const counted = /security_load_test_allowance_total\{policy="browse"[^}]*\} (\d+)/.exec(metrics);
  expect(counted).not.toBeNull();
  expect(Number(counted?.[1])).toBeGreaterThanOrEqual(20);
});

test('when an address outside the list asks the same service, then the limits apply to it, whatever headers it sends', async () => {
  const outsider = freshIp();
  const answers = await checks(
    allowing.url,
    {
      ip: outsider,
      // What a client could write itself: neither header names the address the gateway saw.
      headers: { 'x-forwarded-for': '127.0.0.1', forwarded: 'for=127.0.0.1' },
    },
    8,
  );
  expect(answers.map((a) => a.verdict)).toContain('rate_limited');
  expect(answers.every((a) => a.headers.get('x-security-allowance') === null)).toBe(true);
});

test('when a load-test source is blocklisted or sends a bot user agent, then it is blocked as anyone would be', async () => {
  await allowing.blocklist.add({
    network: '127.0.0.9',
    reason: 'load-test source misbehaving',
    author: 'test',
    automatic: false,
    expiresAt: null,
  });
  expect(await check(allowing.url, { ip: '127.0.0.9' })).toMatchObject({
    status: 403,
    verdict: 'blocked',
  });
  expect(await check(allowing.url, { ip: '127.0.0.1', headers: GOOGLEBOT })).toMatchObject({
    verdict: 'blocked',
  });
});

test('when a load-test source signs up or orders, then the proof-of-work and the per-account rules still apply, the per-network quotas do not', async () => {
  const signups = await checks(
    allowing.url,
    { ip: '203.0.113.7', method: 'POST', path: '/api/users/signup', policy: 'signup' },
    3,
  );
  expect(signups.map((a) => a.verdict)).toEqual(['challenge', 'challenge', 'challenge']);

  const fan = newFan(env);
  const order = {
    ip: '203.0.113.8',
    method: 'POST',
    path: '/api/orders',
    policy: 'purchase' as const,
    token: fan.token,
  };
  // RATE_PURCHASE_PER_ACCOUNT is 3 a minute: the fourth is refused by the account's limit,
  // not by the address's (4) or the network's (2, skipped).
  const orders = await checks(allowing.url, order, 5);
  expect(orders.map((a) => a.verdict)).toEqual([
    'allow',
    'allow',
    'allow',
    'rate_limited',
    'rate_limited',
  ]);
  expect(orders[3]?.headers.get('ratelimit-policy')).toContain('purchase-account');
  // Refusals of a load-test source never become an automatic ban (AUTO_BAN_AFTER_REFUSALS 2).
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(allowing.blocklist.matcher.match('203.0.113.8', 'ipv4')).toBeUndefined();
});

test('when the list is malformed or as wide as everyone, then the service refuses to start with that configuration', () => {
  for (const bad of ['everyone', '0.0.0.0/0', '::/0', '10.0.0.0/33', '127.0.0.1/8/1']) {
    const parsed = securityConfigSchema.safeParse({ SECURITY_LOAD_TEST_SOURCES: bad });
    expect(parsed.success).toBe(false);
  }
  expect(
    securityConfigSchema.parse({ SECURITY_LOAD_TEST_SOURCES: ' 127.0.0.1 ,::1,10.1.0.0/16' })
      .SECURITY_LOAD_TEST_SOURCES,
  ).toEqual(['127.0.0.1', '::1', '10.1.0.0/16']);
});
