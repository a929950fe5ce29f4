import { randomBytes } from 'node:crypto';
import { CHECK_PATH, refusalAnswers } from '@ticketaka/common';
import { createTestEnvironment, type TestEnvironment } from '@ticketaka/common/testing';
import { startSecurityService, type SecurityService } from '../src/security-service';
import { BROWSER } from '@ticketaka/common/testing';
import { freshIp, GOOGLEBOT } from './security-test-kit';

let env: TestEnvironment;
let security: SecurityService;

beforeAll(async () => {
  env = await createTestEnvironment('security-ingress');
  security = await startSecurityService({
    ...env.env,
    RATE_BROWSE_PER_IP: '2',
    VELOCITY_PER_SECOND: '1000',
    EVENT_SAMPLE_MS: '0',
  });
});
afterAll(async () => {
  await security?.close();
  await env.cleanup();
});

/** What ingress-nginx sends to auth-url (X-Real-IP, X-Original-URL, X-Request-ID = $req_id). */
async function ingressCheck(input: {
  ip: string;
  requestId: string;
  policy?: string;
  method?: string;
  headers?: Record<string, string>;
}) {
  const response = await fetch(
    `${security.url}${CHECK_PATH}?policy=${input.policy ?? 'browse'}&gateway=ingress`,
    {
      headers: {
        ...BROWSER,
        ...input.headers,
        'x-real-ip': input.ip,
        'x-original-url': 'http://ticketaka.local/api/matches/1',
        'x-original-method': input.method ?? 'GET',
        'x-request-id': input.requestId,
        'x-sent-from': 'nginx-ingress-controller',
      },
    },
  );
  await response.text();
  return { status: response.status, verdict: response.headers.get('x-security-verdict') };
}

/** ingress-nginx's custom-error request to the default backend (path rewritten to `/`). */
async function customError(requestId: string) {
  const response = await fetch(`${security.url}/`, {
    headers: {
      'x-code': '500',
      'x-format': 'application/json',
      'x-original-uri': '/api/matches/1',
      'x-request-id': requestId,
    },
  });
  const body = (await response.json()) as {
    errors: { code: string; message: string; reference?: string }[];
  };
  return { status: response.status, headers: response.headers, body };
}

const id = () => randomBytes(16).toString('hex');

test('when ingress-nginx asks and the address is over its limit, then the check answers 500 and the error request gets the local gateway’s 429 with Retry-After and RateLimit headers', async () => {
  const ip = freshIp();
  expect(await ingressCheck({ ip, requestId: id() })).toEqual({ status: 204, verdict: 'allow' });
  await ingressCheck({ ip, requestId: id() });
  const requestId = id();
  expect(await ingressCheck({ ip, requestId })).toEqual({ status: 500, verdict: 'rate_limited' });
  const answer = await customError(requestId);
  expect(answer.status).toBe(429);
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(answer.headers.get('ratelimit-policy')).toBe('"browse";q=2;w=60');
  expect(answer.headers.get('ratelimit')).toMatch(/^"browse";r=0;t=\d+$/);
  expect(answer.body).toEqual(refusalAnswers.rate_limited.body());
  // One answer per refusal: asked again, the id is unknown.
  expect((await customError(requestId)).status).toBe(500);
});

test('when a known bot asks through the ingress, then the client gets the 403 with its reference; a sign-up without proof-of-work gets the 428 challenge', async () => {
  const blockedId = id();
  expect(
    await ingressCheck({ ip: freshIp(), requestId: blockedId, headers: GOOGLEBOT }),
  ).toMatchObject({ status: 500, verdict: 'blocked' });
  const blocked = await customError(blockedId);
  expect(blocked.status).toBe(403);
  expect(blocked.body).toEqual(
    refusalAnswers.blocked.body(blocked.body.errors[0]?.reference ?? 'missing'),
  );
  expect(blocked.body.errors[0]?.reference).toMatch(/^[0-9a-f]{16}$/);

  const challengeId = id();
  await ingressCheck({ ip: freshIp(), requestId: challengeId, policy: 'signup', method: 'POST' });
  const challenge = await customError(challengeId);
  expect(challenge.status).toBe(428);
  expect(challenge.body).toEqual(refusalAnswers.challenge.body());
});

test('when a service behind the ingress fails with 500, then the error request gets the services’ own 500 body, not a refusal', async () => {
  const answer = await customError(id());
  expect(answer.status).toBe(500);
  expect(answer.body).toEqual({
    errors: [{ message: 'Something went wrong on our side', code: 'internal' }],
  });
});

test('when the local gateway asks (no gateway=ingress), then a refusal stays the 403 that nginx auth_request understands', async () => {
  const response = await fetch(`${security.url}${CHECK_PATH}?policy=browse`, {
    headers: { ...GOOGLEBOT, 'x-real-ip': freshIp(), 'x-original-uri': '/api/matches' },
  });
  expect(response.status).toBe(403);
  expect(response.headers.get('x-security-verdict')).toBe('blocked');
});
