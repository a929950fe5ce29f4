import os from 'node:os';
import {
  call,
  createTestEnvironment,
  sleep,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { startOrdersService } from '../../orders/src/orders-service';
import { startPaymentsService } from '../../payments/src/payments-service';
import { startTicketsService } from '../../tickets/src/tickets-service';
import { startAuthService } from '../src/auth-service';
import { changeRole } from '../src/domain/change-role.use-case';
import { revocationTtlSeconds } from '../src/domain/session-lifetimes';

/**
 * Sessions as every service sees them: auth issues and revokes, orders, tickets and
 * payments verify, all in-process on the real PostgreSQL, NATS and Redis.
 */
const GRACE_SECONDS = 1;
let env: TestEnvironment;
let auth: Awaited<ReturnType<typeof startAuthService>>;
let tickets: Awaited<ReturnType<typeof startTicketsService>>;
let orders: Awaited<ReturnType<typeof startOrdersService>>;
let payments: Awaited<ReturnType<typeof startPaymentsService>>;

beforeAll(async () => {
  env = await createTestEnvironment('sessions-across');
  Object.assign(env.env, { REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS) });
  auth = await startAuthService(env.env);
  tickets = await startTicketsService(env.env);
  orders = await startOrdersService(env.env);
  payments = await startPaymentsService(env.env);
});
afterAll(async () => {
  for (const service of [payments, orders, tickets, auth]) await service?.close();
  await env?.cleanup();
});

/** What a browser holds after auth answered: the two cookies. */
interface Browser {
  access: string;
  refresh: string;
  userId: string;
  email: string;
}

const cookieOf = (headers: Headers, name: string) =>
  headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0]
    ?.slice(name.length + 1);

let fans = 0;
async function signUp(): Promise<Browser> {
  const email = `fan${++fans}-${Date.now()}@example.com`;
  const response = await call(auth.url, 'POST', '/api/users/signup', {
    body: { email, password: 'a long enough password', displayName: 'Fan', country: 'AR' },
  });
  expect(response.status).toBe(201);
  return {
    access: cookieOf(response.headers, 'session')!,
    refresh: cookieOf(response.headers, 'refresh_token')!,
    userId: response.body.user.id,
    email,
  };
}

const refresh = (refreshToken: string) =>
  call(auth.url, 'POST', '/api/users/refresh', {
    headers: { cookie: `refresh_token=${refreshToken}` },
  });

/** The fan's own orders and tickets: one authenticated route on each service. */
const myOrders = (token: string) => call(orders.url, 'GET', '/api/orders', { token });
const myTickets = (token: string) => call(tickets.url, 'GET', '/api/tickets/mine', { token });
const codeOf = (response: { body: { errors?: { code: string }[] } }) =>
  response.body.errors?.[0]?.code;

describe('sign-out', () => {
  test('when a fan signs out, then orders and tickets refuse the same access token at once, and its refresh token renews nothing', async () => {
    const fan = await signUp();
    expect((await myOrders(fan.access)).status).toBe(200);
    expect((await myTickets(fan.access)).status).toBe(200);

    const out = await call(auth.url, 'POST', '/api/users/signout', {
      headers: { cookie: `session=${fan.access}; refresh_token=${fan.refresh}` },
    });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join('\n')).toMatch(/^session=;.*\n^refresh_token=;/m);

    for (const response of [await myOrders(fan.access), await myTickets(fan.access)]) {
      expect(response.status).toBe(401);
      expect(codeOf(response)).toBe('session_revoked');
    }
    const renewed = await refresh(fan.refresh);
    expect(renewed.status).toBe(401);
    expect(codeOf(renewed)).toBe('session_revoked');
  });

  test('when a fan signs out with only an (expired or not) access token, then that session ends too', async () => {
    const fan = await signUp();
    const out = await call(auth.url, 'POST', '/api/users/signout', { token: fan.access });
    expect(out.status).toBe(204);
    expect(codeOf(await myOrders(fan.access))).toBe('session_revoked');
    expect(codeOf(await refresh(fan.refresh))).toBe('session_revoked');
  });

  test('when a fan signs out on one device, then their other sign-in keeps working', async () => {
    const phone = await signUp();
    const signin = await call(auth.url, 'POST', '/api/users/signin', {
      body: { email: phone.email, password: 'a long enough password' },
    });
    const laptop = signin.body.token as string;
    await call(auth.url, 'POST', '/api/users/signout', { token: phone.access });
    expect((await myOrders(phone.access)).status).toBe(401);
    expect((await myOrders(laptop)).status).toBe(200);
  });
});

describe('refresh tokens', () => {
  test('when the refresh token is used, then a new access token and a new refresh token come back as HttpOnly cookies, and the new access token is accepted everywhere', async () => {
    const fan = await signUp();
    const renewed = await refresh(fan.refresh);
    expect(renewed.status).toBe(200);
    const cookies = renewed.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('session='))).toMatch(/HttpOnly.*SameSite=Lax/i);
    expect(cookies.find((c) => c.startsWith('refresh_token='))).toMatch(
      /Path=\/api\/users.*HttpOnly.*SameSite=Strict/i,
    );
    const access = cookieOf(renewed.headers, 'session')!;
    const next = cookieOf(renewed.headers, 'refresh_token')!;
    expect(next).not.toBe(fan.refresh);
    expect(renewed.body).toMatchObject({ user: { id: fan.userId }, token: access });
    expect(JSON.stringify(renewed.body)).not.toContain(next);
    expect((await myOrders(access)).status).toBe(200);
    expect((await myTickets(access)).status).toBe(200);
    expect((await refresh(next)).status).toBe(200);
  });

  test('when a replaced refresh token is replayed after the grace period, then the whole family is revoked: the thief gets 401 and the current access and refresh tokens stop working everywhere', async () => {
    const fan = await signUp();
    const first = await refresh(fan.refresh);
    const currentAccess = cookieOf(first.headers, 'session')!;
    const currentRefresh = cookieOf(first.headers, 'refresh_token')!;
    await sleep(GRACE_SECONDS * 1000 + 200);

    const replay = await refresh(fan.refresh);
    expect(replay.status).toBe(401);
    expect(codeOf(replay)).toBe('refresh_token_reused');

    expect(codeOf(await myOrders(currentAccess))).toBe('session_revoked');
    expect(codeOf(await myTickets(currentAccess))).toBe('session_revoked');
    expect(codeOf(await refresh(currentRefresh))).toBe('session_revoked');
  });

  test('when two tabs refresh with the same token at once, then one rotates it, the others get an access token only, and the session survives', async () => {
    const fan = await signUp();
    const answers = await Promise.all(Array.from({ length: 5 }, () => refresh(fan.refresh)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const rotated = answers
      .map((a) => cookieOf(a.headers, 'refresh_token'))
      .filter((c): c is string => !!c);
    expect(rotated).toHaveLength(1);
    for (const answer of answers) expect((await myOrders(answer.body.token)).status).toBe(200);
    expect((await refresh(rotated[0]!)).status).toBe(200);
  });

  test('when the refresh cookie is missing, garbage or unknown, then 401 with a code and nothing is revoked', async () => {
    const fan = await signUp();
    const missing = await call(auth.url, 'POST', '/api/users/refresh');
    expect([missing.status, codeOf(missing)]).toEqual([401, 'refresh_token_missing']);
    const garbage = await refresh('%E0%A4%A');
    expect([garbage.status, codeOf(garbage)]).toEqual([401, 'refresh_token_missing']);
    const unknown = await refresh('A'.repeat(43));
    expect([unknown.status, codeOf(unknown)]).toEqual([401, 'refresh_token_invalid']);
    expect((await myOrders(fan.access)).status).toBe(200);
    expect((await refresh(fan.refresh)).status).toBe(200);
  });
});

describe('role changes', () => {
  const changeRoleOf = (email: string, role: 'admin' | 'fan') =>
    changeRole(
      {
        pool: auth.runtime.pool,
        schema: auth.runtime.schema,
        revocations: auth.runtime.revocations,
        revocationTtlSeconds: revocationTtlSeconds(auth.runtime.config),
      },
      email,
      role,
    );

  test('when a fan is promoted, then their older token is refused at once and the refreshed one is an admin token; when demoted, the admin token is refused at once', async () => {
    const fan = await signUp();
    // Admins read every order: a fan's list holds only their own (none here).
    const asFan = await myOrders(fan.access);
    expect(asFan.body.orders).toEqual([]);

    expect(await changeRoleOf(fan.email, 'admin')).toBe('changed');
    const stale = await myOrders(fan.access);
    expect([stale.status, codeOf(stale)]).toEqual([401, 'token_outdated']);
    expect(codeOf(await myTickets(fan.access))).toBe('token_outdated');

    const promoted = await refresh(fan.refresh);
    expect(promoted.body.user.role).toBe('admin');
    const adminToken = promoted.body.token as string;
    const me = await call(auth.url, 'GET', '/api/users/currentuser', { token: adminToken });
    expect(me.body.currentUser.role).toBe('admin');

    expect(await changeRoleOf(fan.email, 'fan')).toBe('changed');
    const demotedStale = await call(auth.url, 'GET', '/api/users/currentuser', {
      token: adminToken,
    });
    expect([demotedStale.status, codeOf(demotedStale)]).toEqual([401, 'token_outdated']);
    expect(codeOf(await myOrders(adminToken))).toBe('token_outdated');
    const demoted = await refresh(cookieOf(promoted.headers, 'refresh_token')!);
    expect(demoted.body.user.role).toBe('fan');
    expect((await myOrders(demoted.body.token)).status).toBe(200);
  });

  test('when the role is set to what it already is, then nothing changes and current tokens keep working', async () => {
    const fan = await signUp();
    expect(await changeRoleOf(fan.email, 'fan')).toBe('unchanged');
    expect((await myOrders(fan.access)).status).toBe(200);
  });
});

describe('a malformed session cookie', () => {
  const garbage: [string, string][] = [
    ['a broken percent escape', '%E0%A4%A'],
    ['a lone percent sign', '%'],
    ['not a JWT', 'not.a.jwt'],
    ['Latin-1 bytes', '\u00ff\u00fe'],
    ['4,000 characters', 'a'.repeat(4000)],
  ];

  test.each(garbage)(
    'when the session cookie is %s, then every service answers 401 token_invalid with a JSON body on its authenticated routes',
    async (_label, value) => {
      const headers = { cookie: `session=${value}` };
      const routes: [string, string][] = [
        [auth.url, '/api/users/currentuser'],
        [orders.url, '/api/orders'],
        [tickets.url, '/api/tickets/mine'],
        [payments.url, '/api/payments/00000000-0000-4000-8000-000000000000'],
      ];
      for (const [url, path] of routes) {
        const response = await call(url, 'GET', path, { headers });
        expect([url, path, response.status]).toEqual([url, path, 401]);
        expect(response.body).toEqual({
          errors: [{ message: 'The session token is invalid', code: 'token_invalid' }],
        });
      }
    },
  );

  test('when a public route gets a malformed cookie, then it answers as for a visitor (no 500)', async () => {
    const response = await call(tickets.url, 'GET', '/api/matches', {
      headers: { cookie: 'theme=dark; session=%E0%A4%A' },
    });
    expect(response.status).toBe(200);
  });
});

describe('the shared HTTP stack', () => {
  test('when any service answers, then it sends nosniff, HSTS, no framing, no referrer and a CSP that loads nothing', async () => {
    for (const url of [auth.url, orders.url, tickets.url, payments.url]) {
      const { headers } = await call(url, 'GET', '/api/matches/1');
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(headers.get('content-security-policy')).toBe(
        "default-src 'none';frame-ancestors 'none'",
      );
      expect(headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  const lanAddress = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

  (lanAddress ? test : test.skip)(
    'when a service runs with the default HOST, then it answers on loopback and not on the machine’s network address',
    async () => {
      const port = new URL(orders.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      await expect(fetch(`http://${lanAddress}:${port}/healthz`)).rejects.toThrow();
    },
  );
});
