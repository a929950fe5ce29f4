import { call, createTestEnvironment, type TestEnvironment } from '@ticketaka/common/testing';
import { startAuthService } from '../src/auth-service';
import { createWorkGate } from '../src/domain/work-gate';

let env: TestEnvironment;

beforeAll(async () => {
  env = await createTestEnvironment('auth-argon2-cap');
});
afterAll(async () => {
  await env.cleanup();
});

test('when more work arrives than the gate runs at once, then at most that many run, a few wait, and the rest are refused with 503 busy', async () => {
  const gate = createWorkGate({ concurrency: 2, queueLimit: 3, maxWaitMs: 5000 });
  let running = 0;
  let peak = 0;
  const work = () =>
    gate.run(async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      return 'done';
    });
  const results = await Promise.allSettled(Array.from({ length: 10 }, work));
  expect(peak).toBe(2);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(refused.map((r) => [r.reason.status, r.reason.code])).toEqual(
    Array(5).fill([503, 'busy']),
  );
});

test('when a queued caller would wait too long, then it is refused instead of waiting forever', async () => {
  const gate = createWorkGate({ concurrency: 1, queueLimit: 10, maxWaitMs: 20 });
  const slow = gate.run(() => new Promise((r) => setTimeout(r, 200)));
  await expect(gate.run(async () => 'late')).rejects.toMatchObject({ status: 503, code: 'busy' });
  await slow;
  expect(gate.queued).toBe(0);
  expect(await gate.run(async () => 'after')).toBe('after');
});

test('when a sign-in flood exceeds the Argon2 cap, then auth answers 401 or 503 with Retry-After, never 500, and still signs in afterwards', async () => {
  const auth = await startAuthService({
    ...env.env,
    AUTH_ARGON2_CONCURRENCY: '1',
    AUTH_ARGON2_QUEUE: '2',
  });
  try {
    const email = 'cap@example.com';
    const password = 'a long enough password';
    await call(auth.url, 'POST', '/api/users/signup', {
      body: { email, password, displayName: 'Cap', country: 'FR' },
    });
    const flood = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        call(auth.url, 'POST', '/api/users/signin', {
          body: { email, password: 'wrong password!' },
          headers: { 'x-forwarded-for': `198.18.9.${i + 1}` },
        }),
      ),
    );
    const statuses = flood.map((r) => r.status);
    expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
    const busy = flood.filter((r) => r.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy[0]?.headers.get('retry-after')).toBe('2');
    expect(busy[0]?.body).toMatchObject({ errors: [{ code: 'busy' }] });
    const after = await call(auth.url, 'POST', '/api/users/signin', { body: { email, password } });
    expect(after.status).toBe(200);
  } finally {
    await auth.close();
  }
});
