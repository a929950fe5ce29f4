import { authEvents } from '@ticketaka/common';
import {
  createTestEnvironment,
  eventually,
  readSubject,
  sleep,
  type TestEnvironment,
  readJson,
} from '@ticketaka/common/testing';
import { startAuthService } from '../src/auth-service';

let env: TestEnvironment;
let auth: Awaited<ReturnType<typeof startAuthService>>;

beforeAll(async () => {
  env = await createTestEnvironment('auth-signup');
  auth = await startAuthService(env.env);
});
afterAll(async () => {
  await auth.close();
  await env.cleanup();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${auth.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const fan = (email: string) => ({
  email,
  password: 'correct horse battery',
  displayName: 'Lionel',
  country: 'AR',
});

const userCount = async () =>
  Number((await auth.runtime.pool.query('SELECT count(*) FROM users')).rows[0].count);
const outboxCount = async () =>
  Number((await auth.runtime.pool.query('SELECT count(*) FROM outbox')).rows[0].count);

describe('sign up', () => {
  test('when a fan signs up, then 201 with an HttpOnly SameSite session cookie, and auth.user.created is published once', async () => {
    const response = await post('/api/users/signup', fan('leo@example.com'));
    expect(response.status).toBe(201);
    const body = await readJson(response);
    expect(body.user).toMatchObject({
      email: 'leo@example.com',
      displayName: 'Lionel',
      country: 'AR',
      role: 'fan',
    });
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);

    await eventually(async () => {
      const events = (
        await readSubject<{ data: { id: string } }>(auth.runtime.bus, authEvents.userCreated.type)
      ).filter((e) => e.data.id === body.user.id);
      expect(events).toHaveLength(1);
    });
    // Stays exactly once: nothing republishes it later.
    await sleep(1500);
    const events = await readSubject<{ data: { id: string } }>(
      auth.runtime.bus,
      authEvents.userCreated.type,
    );
    expect(events.filter((e) => e.data.id === body.user.id)).toHaveLength(1);
  });

  test('when the password is stored, then it is an argon2id hash, never the password', async () => {
    await post('/api/users/signup', fan('hash@example.com'));
    const { rows } = await auth.runtime.pool.query(
      "SELECT password_hash FROM users WHERE email = 'hash@example.com'",
    );
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  test('when the relay is killed between commit and publish and restarted, then auth.user.created arrives exactly once', async () => {
    const withoutRelay = await startAuthService(env.env, { startRelay: false });
    const response = await fetch(`${withoutRelay.url}/api/users/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fan('relay-down@example.com')),
    });
    expect(response.status).toBe(201);
    const { user } = await readJson(response);
    await withoutRelay.close();
    const { rows } = await auth.runtime.pool.query(
      'SELECT published_at FROM outbox WHERE payload @> $1',
      [JSON.stringify({ data: { id: user.id } })],
    );
    expect(rows).toHaveLength(1);

    // The running instance's relay picks it up; restarting it again must not re-send it.
    auth.runtime.relay.kick();
    const ofUser = async () =>
      (
        await readSubject<{ data: { id: string } }>(auth.runtime.bus, authEvents.userCreated.type)
      ).filter((e) => e.data.id === user.id);
    await eventually(async () => expect(await ofUser()).toHaveLength(1));
    await auth.runtime.pool.query('UPDATE outbox SET published_at = NULL WHERE payload @> $1', [
      JSON.stringify({ data: { id: user.id } }),
    ]);
    auth.runtime.relay.kick();
    await eventually(async () => {
      const r = await auth.runtime.pool.query(
        'SELECT count(*) FROM outbox WHERE published_at IS NULL',
      );
      expect(Number(r.rows[0].count)).toBe(0);
    });
    expect(await ofUser()).toHaveLength(1);
  });
});

describe('bad sign-up input writes nothing', () => {
  test.each([
    ['malformed JSON', '{"email": "x@example.com",', 400, 'malformed_json'],
    ['missing fields', { email: 'y@example.com' }, 400, 'validation_failed'],
    [
      'an invalid email',
      { ...fan('not-an-email'), email: 'not-an-email' },
      400,
      'validation_failed',
    ],
    [
      'a short password',
      { ...fan('short@example.com'), password: 'short' },
      400,
      'validation_failed',
    ],
    ['an unknown country', { ...fan('c@example.com'), country: 'QQ' }, 400, 'validation_failed'],
    [
      'an extra field asking for a role',
      { ...fan('r@example.com'), role: 'admin' },
      400,
      'validation_failed',
    ],
  ])(
    'when the body has %s, then it is refused with a 4xx and no user or event is written',
    async (_name, body, status, code) => {
      const users = await userCount();
      const events = await outboxCount();
      const response = await post('/api/users/signup', body);
      expect(response.status).toBe(status);
      const json = await readJson(response);
      expect(json.errors[0]).toMatchObject({ code });
      expect(typeof json.errors[0].message).toBe('string');
      expect(await userCount()).toBe(users);
      expect(await outboxCount()).toBe(events);
    },
  );

  test('when a field is invalid, then the error names the field', async () => {
    const response = await post('/api/users/signup', {
      ...fan('f@example.com'),
      password: 'short',
    });
    const json = await readJson(response);
    expect(json.errors).toEqual([expect.objectContaining({ field: 'password' })]);
  });

  test('when the email is taken (in any letter case), then 409 email_taken and nothing is written', async () => {
    expect((await post('/api/users/signup', fan('dup@example.com'))).status).toBe(201);
    const users = await userCount();
    const events = await outboxCount();
    const response = await post('/api/users/signup', fan('DUP@Example.com'));
    expect(response.status).toBe(409);
    expect((await readJson(response)).errors[0]).toMatchObject({
      code: 'email_taken',
      field: 'email',
    });
    expect(await userCount()).toBe(users);
    expect(await outboxCount()).toBe(events);
  });

  test('when ten sign-ups race for one email, then exactly one account exists', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => post('/api/users/signup', fan('race@example.com'))),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    const { rows } = await auth.runtime.pool.query(
      "SELECT count(*) FROM users WHERE email = 'race@example.com'",
    );
    expect(Number(rows[0].count)).toBe(1);
  });

  test('when the body is 10 MB, then 413 payload_too_large and nothing is written', async () => {
    const users = await userCount();
    const huge = JSON.stringify({
      ...fan('big@example.com'),
      displayName: 'x'.repeat(10 * 1024 * 1024),
    });
    const response = await post('/api/users/signup', huge);
    expect(response.status).toBe(413);
    expect((await readJson(response)).errors[0].code).toBe('payload_too_large');
    expect(await userCount()).toBe(users);
  });
});
