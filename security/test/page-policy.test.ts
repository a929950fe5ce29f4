import { createTestEnvironment, type TestEnvironment } from '@ticketaka/common/testing';
import { startSecurityService, type SecurityService } from '../src/security-service';
import { check, freshIp, GOOGLEBOT } from './security-test-kit';

let env: TestEnvironment;
let security: SecurityService;

beforeAll(async () => {
  env = await createTestEnvironment('security-page-policy');
  security = await startSecurityService({
    ...env.env,
    VELOCITY_PER_SECOND: '3',
    RATE_PAGE_PER_IP: '8',
    EVENT_SAMPLE_MS: '0',
  });
});
afterAll(async () => {
  await security?.close();
  await env.cleanup();
});

test('when a fan opens a page and the router prefetches its links at once, then the burst is not read as inhuman velocity', async () => {
  const ip = freshIp();
  const burst = await Promise.all(
    ['/', '/matches/1', '/matches/2', '/matches/3', '/matches/4', '/orders'].map((path) =>
      check(security.url, { ip, path, policy: 'page' }),
    ),
  );
  expect(burst.map((a) => a.verdict)).toEqual(Array(6).fill('allow'));
  // The same burst on the API is (VELOCITY_PER_SECOND is 3 here).
  const api = await Promise.all(Array.from({ length: 6 }, () => check(security.url, { ip })));
  expect(api.map((a) => a.verdict)).toContain('rate_limited');
});

test('when one address views more pages than its budget, then it is rate limited with the page limit named', async () => {
  const ip = freshIp();
  const answers = [];
  for (let i = 0; i < 10; i++)
    answers.push(await check(security.url, { ip, path: `/matches/${i + 1}`, policy: 'page' }));
  expect(answers.slice(0, 8).map((a) => a.verdict)).toEqual(Array(8).fill('allow'));
  expect(answers[8]).toMatchObject({ status: 403, verdict: 'rate_limited' });
  expect(answers[8]?.headers.get('ratelimit-policy')).toBe('"page";q=8;w=60');
  expect(Number(answers[8]?.headers.get('retry-after'))).toBeGreaterThan(0);
});

test('when a known bot asks for a page, then it is blocked like on the API', async () => {
  expect(
    await check(security.url, { ip: freshIp(), path: '/', policy: 'page', headers: GOOGLEBOT }),
  ).toMatchObject({ status: 403, verdict: 'blocked' });
});
