import {
  call,
  createTestEnvironment,
  sleep,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { startAuthService } from '../../auth/src/auth-service';
import { startSecurityService, type SecurityService } from '../src/security-service';
import { solvedAltcha } from '@ticketaka/common/testing';

let env: TestEnvironment;
let security: SecurityService;
let auth: Awaited<ReturnType<typeof startAuthService>>;
const password = 'the right password 42';

beforeAll(async () => {
  env = await createTestEnvironment('security-sign-in');
  security = await startSecurityService({
    ...env.env,
    SIGNIN_FAILURES_PER_ACCOUNT_AND_IP: '5',
    SIGNIN_FAILURES_PER_IP: '12',
    SIGNIN_FAILURES_PER_ACCOUNT_BEFORE_CHALLENGE: '11',
    SIGNIN_LOCK_BASE_SECONDS: '1',
    ALTCHA_MAX_NUMBER: '2000',
  });
  auth = await startAuthService(env.env);
});
afterAll(async () => {
  await auth?.close();
  await security?.close();
  await env.cleanup();
});

async function account(name: string) {
  const email = `${name}@example.com`;
  const created = await call(auth.url, 'POST', '/api/users/signup', {
    body: { email, password, displayName: name, country: 'AR' },
  });
  expect(created.status).toBe(201);
  return email;
}

// The services trust the gateway on loopback for X-Forwarded-For, as they do in a local run.
const signIn = (
  email: string,
  ip: string,
  pass = 'a wrong password',
  headers: Record<string, string> = {},
) =>
  call(auth.url, 'POST', '/api/users/signin', {
    body: { email, password: pass },
    headers: { 'x-forwarded-for': ip, ...headers },
  });

test('when one address fails five times for an account, then that address is locked for it even with the right password, while the owner signs in from elsewhere', async () => {
  const email = await account('pair-lock');
  for (let i = 0; i < 5; i++) expect((await signIn(email, '198.18.1.1')).status).toBe(401);
  const locked = await signIn(email, '198.18.1.1', password);
  expect(locked.status).toBe(429);
  expect(locked.body).toMatchObject({ errors: [{ code: 'rate_limited' }] });
  expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  expect((await signIn(email, '198.18.1.2', password)).status).toBe(200);
});

test('when the same pair fails again after its lock ends, then the next lock lasts twice as long', async () => {
  const email = await account('progressive');
  const ip = '198.18.2.1';
  for (let i = 0; i < 5; i++) await signIn(email, ip);
  expect(Number((await signIn(email, ip)).headers.get('retry-after'))).toBe(1);
  await sleep(1100);
  for (let i = 0; i < 5; i++) expect((await signIn(email, ip)).status).toBe(401);
  expect(Number((await signIn(email, ip)).headers.get('retry-after'))).toBe(2);
});

test('when a success follows some failures, then the pair starts from zero again', async () => {
  const email = await account('reset');
  const ip = '198.18.3.1';
  for (let i = 0; i < 4; i++) await signIn(email, ip);
  expect((await signIn(email, ip, password)).status).toBe(200);
  for (let i = 0; i < 4; i++) expect((await signIn(email, ip)).status).toBe(401);
  expect((await signIn(email, ip, password)).status).toBe(200);
});

test('when an account fails from many addresses, then its sign-ins need a proof-of-work, one solution per attempt, and the owner solves it and signs in', async () => {
  const email = await account('distributed');
  for (let i = 0; i < 11; i++) expect((await signIn(email, `198.18.4.${i + 1}`)).status).toBe(401);
  const challenged = await signIn(email, '198.18.5.1', password);
  expect(challenged.status).toBe(428);
  expect(challenged.body).toEqual({
    errors: [{ code: 'challenge_required', message: expect.any(String) }],
    challenge: { url: '/api/security/challenge' },
  });
  const spent = await solvedAltcha(`${security.url}/api/security/challenge`);
  expect((await signIn(email, '198.18.5.2', 'another guess', { 'x-altcha': spent })).status).toBe(
    401,
  );
  // A solution is used up by one attempt: replaying it is challenged again.
  expect((await signIn(email, '198.18.5.1', password, { 'x-altcha': spent })).status).toBe(428);
  const altcha = await solvedAltcha(`${security.url}/api/security/challenge`);
  expect((await signIn(email, '198.18.5.1', password, { 'x-altcha': altcha })).status).toBe(200);
});

test('when one address guesses across many accounts, then the address is locked for every account', async () => {
  const emails = await Promise.all(['spray-a', 'spray-b', 'spray-c', 'spray-d'].map(account));
  const ip = '198.18.6.1';
  for (let i = 0; i < 12; i++) expect((await signIn(emails[i % 4]!, ip)).status).toBe(401);
  const fresh = await account('spray-e');
  expect((await signIn(fresh, ip, password)).status).toBe(429);
  expect((await signIn(fresh, '198.18.6.2', password)).status).toBe(200);
});

test('when security does not answer, then sign-in still works (fail-open, the default) and a wrong password is still refused', async () => {
  const email = await account('no-guard');
  await security.close();
  expect((await signIn(email, '198.18.7.1')).status).toBe(401);
  expect((await signIn(email, '198.18.7.1', password)).status).toBe(200);
});
