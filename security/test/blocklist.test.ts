import {
  call,
  createTestEnvironment,
  eventually,
  newFan,
  solvedAltcha,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { startSecurityService, type SecurityService } from '../src/security-service';
import { check, freshIp } from './security-test-kit';

let env: TestEnvironment;
let replicaA: SecurityService;
let replicaB: SecurityService;
let admin: string;

beforeAll(async () => {
  env = await createTestEnvironment('security-blocklist');
  // Periodic reloads far apart, so only the broadcast can explain a fast change on B.
  const config = { ...env.env, BLOCKLIST_REFRESH_SECONDS: '3600', VELOCITY_PER_SECOND: '1000' };
  replicaA = await startSecurityService(config);
  replicaB = await startSecurityService(config);
  admin = newFan(env, 'admin').token;
});
afterAll(async () => {
  await replicaA?.close();
  await replicaB?.close();
  await env.cleanup();
});

const ban = (body: unknown, token = admin) =>
  call(replicaA.url, 'POST', '/api/security/blocklist', { token, body });

test('when an admin bans a network on one replica, then the other replica blocks it within a second, and lifting it applies there too', async () => {
  const ip = '203.0.113.77';
  expect((await check(replicaB.url, { ip })).verdict).toBe('allow');
  const added = await ban({
    network: '203.0.113.0/24',
    reason: 'credential stuffing',
    expiresInSeconds: 3600,
  });
  expect(added.status).toBe(201);
  expect(added.body).toMatchObject({
    network: '203.0.113.0/24',
    reason: 'credential stuffing',
    automatic: false,
    author: expect.stringContaining('@example.com'),
    expiresAt: expect.any(String),
  });
  const started = Date.now();
  await eventually(
    async () => expect((await check(replicaB.url, { ip })).verdict).toBe('blocked'),
    1000,
    10,
  );
  const propagationMs = Date.now() - started;
  expect(propagationMs).toBeLessThan(1000);
  expect((await check(replicaB.url, { ip: '203.0.114.1' })).verdict).toBe('allow');

  const id = (added.body as { id: string }).id;
  expect(
    (await call(replicaA.url, 'DELETE', `/api/security/blocklist/${id}`, { token: admin })).status,
  ).toBe(204);
  await eventually(
    async () => expect((await check(replicaB.url, { ip })).verdict).toBe('allow'),
    1000,
    10,
  );
  expect(
    (await call(replicaA.url, 'DELETE', `/api/security/blocklist/${id}`, { token: admin })).status,
  ).toBe(404);
});

test('when an IPv6 network is banned, then every address inside it is blocked and IPv4-mapped addresses match IPv4 bans', async () => {
  await ban({ network: '2001:db8:dead::/48', reason: 'scraper' });
  await ban({ network: '192.0.2.99', reason: 'one host' });
  await eventually(
    async () => {
      expect((await check(replicaB.url, { ip: '2001:db8:dead:beef::1' })).verdict).toBe('blocked');
      expect((await check(replicaB.url, { ip: '::ffff:192.0.2.99' })).verdict).toBe('blocked');
    },
    1000,
    10,
  );
  expect((await check(replicaB.url, { ip: '2001:db8:beef::1' })).verdict).toBe('allow');
  expect((await check(replicaB.url, { ip: '192.0.2.98' })).verdict).toBe('allow');
});

test('when a ban expires, then it stops applying without anyone lifting it', async () => {
  const ip = freshIp();
  await ban({ network: ip, reason: 'short ban', expiresInSeconds: 1 });
  await eventually(
    async () => expect((await check(replicaB.url, { ip })).verdict).toBe('blocked'),
    1000,
    10,
  );
  await eventually(
    async () => expect((await check(replicaB.url, { ip })).verdict).toBe('allow'),
    3000,
    100,
  );
  const list = await call<{ entries: { network: string }[] }>(
    replicaA.url,
    'GET',
    '/api/security/blocklist',
    {
      token: admin,
    },
  );
  expect(list.body.entries.map((e) => e.network)).not.toContain(`${ip}/32`);
});

test('when the input is not a network, too wide, or has unknown keys, then it is refused with 400 naming the field and nothing is stored', async () => {
  const before = await replicaA.blocklist.list();
  for (const body of [
    { network: 'not-an-ip', reason: 'x' },
    { network: '10.0.0.0/4', reason: 'everyone' },
    { network: '::/0', reason: 'everyone' },
    { network: '10.0.0.1', reason: '' },
    { network: '10.0.0.1', reason: 'x', author: 'someone else' },
  ]) {
    const answer = await ban(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      errors: [expect.objectContaining({ code: 'validation_failed' })],
    });
  }
  expect(await replicaA.blocklist.list()).toEqual(before);
});

test('when a fan or an anonymous caller uses the admin API, then it is refused', async () => {
  const fan = newFan(env).token;
  expect((await ban({ network: '10.9.9.9', reason: 'x' }, fan)).status).toBe(403);
  expect((await call(replicaA.url, 'GET', '/api/security/blocklist')).status).toBe(401);
  expect((await call(replicaA.url, 'GET', '/api/security/blocklist', { token: fan })).status).toBe(
    403,
  );
});

test('when a fan solves a challenge issued by one replica, then the other replica accepts the solution once, as the gateway may ask either', async () => {
  const signup = {
    ip: freshIp(),
    method: 'POST',
    path: '/api/users/signup',
    policy: 'signup' as const,
  };
  const altcha = await solvedAltcha(`${replicaA.url}/api/security/challenge`);
  expect(await check(replicaB.url, { ...signup, altcha })).toMatchObject({ verdict: 'allow' });
  // Single use across replicas too: the mark is in the shared Redis.
  expect(await check(replicaA.url, { ...signup, altcha })).toMatchObject({ verdict: 'challenge' });
});
