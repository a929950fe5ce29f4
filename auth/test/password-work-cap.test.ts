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

/** Work that takes `ms` and records the order in which the gate started it. */
function recorder(gate: ReturnType<typeof createWorkGate>) {
  const started: string[] = [];
  const run = (name: string, source: string, ms = 20) =>
    gate.run(async () => {
      started.push(name);
      await new Promise((r) => setTimeout(r, ms));
      return name;
    }, source);
  return { started, run };
}

test('when one address has a backlog and another asks once, then the other is served next, not after the backlog', async () => {
  const gate = createWorkGate({
    concurrency: 1,
    queueLimit: 20,
    maxWaitMs: 5000,
    perSourceQueue: 10,
  });
  const { started, run } = recorder(gate);
  const flood = Array.from({ length: 6 }, (_, i) => run(`flood-${i}`, '198.18.0.1'));
  const fan = run('fan', '100.64.0.10');
  await Promise.all([...flood, fan]);
  // The first flood request was already running, the second was queued before the fan.
  expect(started.indexOf('fan')).toBeLessThanOrEqual(2);
  expect(started).toHaveLength(7);
});

test('when one address asks for more than its share of the queue, then only that address gets 429 with Retry-After', async () => {
  const gate = createWorkGate({
    concurrency: 1,
    queueLimit: 20,
    maxWaitMs: 5000,
    perSourceQueue: 3,
  });
  const { run } = recorder(gate);
  const flood = Array.from({ length: 8 }, (_, i) => run(`flood-${i}`, '198.18.0.1'));
  const fans = Array.from({ length: 3 }, (_, i) => run(`fan-${i}`, `100.64.0.${i + 1}`));
  const floodResults = await Promise.allSettled(flood);
  const fanResults = await Promise.allSettled(fans);
  expect(fanResults.every((r) => r.status === 'fulfilled')).toBe(true);
  // One running and three waiting; the other four are over the share.
  const refused = floodResults.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(refused.map((r) => [r.reason.status, r.reason.code, r.reason.retryAfterSeconds])).toEqual(
    Array(4).fill([429, 'rate_limited', 2]),
  );
});

test('when the queue is full of one address and a fan arrives, then the newest request of the flood makes room for the fan', async () => {
  const gate = createWorkGate({
    concurrency: 1,
    queueLimit: 4,
    maxWaitMs: 5000,
    perSourceQueue: 4,
  });
  const { started, run } = recorder(gate);
  const flood = Array.from({ length: 5 }, (_, i) => run(`flood-${i}`, '198.18.0.1'));
  const fan = run('fan', '100.64.0.10');
  const results = await Promise.allSettled([...flood, fan]);
  expect(results.at(-1)).toEqual({ status: 'fulfilled', value: 'fan' });
  const dropped = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(dropped.map((r) => r.reason.status)).toEqual([429]);
  expect(started).not.toContain('flood-4');
  expect(gate.queued).toBe(0);
  expect(gate.running).toBe(0);
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
