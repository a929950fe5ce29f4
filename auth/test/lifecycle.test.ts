import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  createTestEnvironment,
  eventually,
  type TestEnvironment,
  readJson,
} from '@ticketaka/common/testing';
import { startAuthService } from '../src/auth-service';

let env: TestEnvironment;
const main = path.join(__dirname, '..', 'src', 'main.ts');

beforeAll(async () => {
  env = await createTestEnvironment('auth-lifecycle');
});
afterAll(async () => {
  await env.cleanup();
});

function startProcess(extraEnv: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, ...env.env, LOG_LEVEL: 'info', ...extraEnv },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

test('when the configuration is wrong, then the service refuses to start and names every bad variable', async () => {
  const run = startProcess({
    DATABASE_URL: 'mysql://localhost/x',
    ACCESS_TOKEN_TTL_SECONDS: 'soon',
    PORT: '99999',
  });
  expect(await run.exited).toBe(1);
  expect(run.output()).toContain('auth: the configuration is invalid');
  expect(run.output()).toContain(
    'DATABASE_URL: must be a postgres:// connection URL (got "mysql://localhost/x")',
  );
  expect(run.output()).toMatch(/ACCESS_TOKEN_TTL_SECONDS: .*\(set\)/);
  expect(run.output()).toMatch(/PORT: .*\(got "99999"\)/);
});

test('when SIGTERM arrives, then the service stops taking requests, finishes, and exits 0', async () => {
  const port = 4000 + Math.floor(Math.random() * 500) + 900;
  const run = startProcess({ PORT: String(port) });
  await eventually(async () => expect(run.output()).toContain('"msg":"listening"'), 30_000);
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  expect(await readJson(ready)).toEqual({
    status: 'ready',
    checks: { postgres: 'ok', nats: 'ok', consumers: 'ok' },
  });
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
  expect(run.output()).toContain('"msg":"stopped"');
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
});

test('when asked, then /healthz, /readyz and Prometheus /metrics answer, and readiness turns red during shutdown', async () => {
  const auth = await startAuthService(env.env);
  expect(await readJson(await fetch(`${auth.url}/healthz`))).toEqual({ status: 'ok' });
  await fetch(`${auth.url}/api/users/currentuser`);
  const metrics = await (await fetch(`${auth.url}/metrics`)).text();
  expect(metrics).toMatch(
    /http_request_duration_seconds_count\{[^}]*route="\/api\/users\/currentuser"[^}]*status="200"/,
  );
  expect(metrics).toContain('events_published_total');
  auth.runtime.health.shuttingDown = true;
  const notReady = await fetch(`${auth.url}/readyz`);
  expect(notReady.status).toBe(503);
  await auth.close();
});
