import jwt from 'jsonwebtoken';
import { generateJwtKeyPair } from '@ticketaka/common';
import { createTestEnvironment, type TestEnvironment, readJson } from '@ticketaka/common/testing';
import { startAuthService } from '../src/auth-service';

let env: TestEnvironment;
let auth: Awaited<ReturnType<typeof startAuthService>>;
let session: { token: string; user: { id: string; email: string } };

const call = (
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) =>
  fetch(`${auth.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

const writes = async () =>
  Number(
    (
      await auth.runtime.pool.query(
        'SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM outbox) AS n',
      )
    ).rows[0].n,
  );

beforeAll(async () => {
  env = await createTestEnvironment('auth-sessions');
  auth = await startAuthService(env.env);
  const response = await call('/api/users/signup', {
    method: 'POST',
    body: {
      email: 'fan@example.com',
      password: 'a long enough password',
      displayName: 'Fan',
      country: 'BR',
    },
  });
  session = await readJson(response);
});
afterAll(async () => {
  await auth.close();
  await env.cleanup();
});

describe('sign in, current user, sign out', () => {
  test('when the password is right, then sign in sets the session cookie and the token identifies the fan', async () => {
    const response = await call('/api/users/signin', {
      method: 'POST',
      body: { email: 'FAN@example.com', password: 'a long enough password' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/^session=[^;]+;.*HttpOnly/i);
    const { token } = await readJson(response);
    const me = await call('/api/users/currentuser', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await readJson(me)).toEqual({
      currentUser: {
        id: session.user.id,
        email: 'fan@example.com',
        displayName: 'Fan',
        country: 'BR',
        role: 'fan',
      },
    });
  });

  test('when the session cookie is sent, then the current user is known', async () => {
    const me = await call('/api/users/currentuser', {
      headers: { cookie: `session=${session.token}` },
    });
    expect((await readJson(me)).currentUser.id).toBe(session.user.id);
  });

  test('when nobody is signed in, then the current user is null', async () => {
    const me = await call('/api/users/currentuser');
    expect(me.status).toBe(200);
    expect(await readJson(me)).toEqual({ currentUser: null });
  });

  test('when the password is wrong or the email unknown, then the same 401 invalid_credentials and nothing is written', async () => {
    const before = await writes();
    for (const body of [
      { email: 'fan@example.com', password: 'wrong password!' },
      { email: 'nobody@example.com', password: 'a long enough password' },
    ]) {
      const response = await call('/api/users/signin', { method: 'POST', body });
      expect(response.status).toBe(401);
      expect(response.headers.get('set-cookie')).toBeNull();
      expect(await readJson(response)).toEqual({
        errors: [{ message: 'Invalid email or password', code: 'invalid_credentials' }],
      });
    }
    expect(await writes()).toBe(before);
  });

  test('when signing out, then the cookie is cleared', async () => {
    const response = await call('/api/users/signout', {
      method: 'POST',
      headers: { cookie: `session=${session.token}` },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('set-cookie')).toMatch(/^session=;.*Expires=Thu, 01 Jan 1970/i);
  });
});

describe('tokens that must be refused', () => {
  const claims = () => ({ email: 'fan@example.com', name: 'Fan', country: 'BR', role: 'admin' });
  const options = (overrides: jwt.SignOptions = {}): jwt.SignOptions => ({
    algorithm: 'ES256',
    subject: session.user.id,
    issuer: 'ticketaka-auth',
    audience: 'ticketaka',
    expiresIn: 600,
    ...overrides,
  });

  const cases: [string, () => string, string][] = [
    [
      'a tampered payload (role changed to admin)',
      () => {
        const [header, , signature] = session.token.split('.');
        const payload = Buffer.from(
          JSON.stringify({ ...(jwt.decode(session.token) as object), role: 'admin' }),
        ).toString('base64url');
        return `${header}.${payload}.${signature}`;
      },
      'token_invalid',
    ],
    [
      'an expired token',
      () => jwt.sign(claims(), env.keys.privateKey, options({ expiresIn: -60 })),
      'token_expired',
    ],
    [
      'a token signed with another key',
      () => jwt.sign(claims(), generateJwtKeyPair().privateKey, options()),
      'token_invalid',
    ],
    [
      'an HMAC token keyed with the public key',
      () => jwt.sign(claims(), env.keys.publicKey, { ...options(), algorithm: 'HS256' }),
      'token_invalid',
    ],
    [
      'an unsigned token (alg none)',
      () => jwt.sign(claims(), '', { ...options(), algorithm: 'none' }),
      'token_invalid',
    ],
    [
      'a token for another audience',
      () => jwt.sign(claims(), env.keys.privateKey, options({ audience: 'someone-else' })),
      'token_invalid',
    ],
    ['garbage', () => 'not.a.jwt', 'token_invalid'],
  ];

  test.each(cases)(
    'when the request carries %s, then 401 with the reason, the cookie is cleared, nothing is written',
    async (_name, token, code) => {
      const before = await writes();
      for (const headers of [
        { authorization: `Bearer ${token()}` },
        { cookie: `session=${token()}` },
      ] as Record<string, string>[]) {
        const response = await call('/api/users/currentuser', { headers });
        expect(response.status).toBe(401);
        expect((await readJson(response)).errors[0].code).toBe(code);
        expect(response.headers.get('set-cookie')).toMatch(/^session=;/);
      }
      expect(await writes()).toBe(before);
    },
  );
});
