import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localPorts } from '@ticketaka/common/src/config/local-defaults';
import { readJson } from '@ticketaka/common/testing';
import { isPortOpen } from '../src/process/port';
import { repoRoot } from '../src/paths';
import { serviceEnv } from '../src/launcher/platform';
import { existingServices, portVariable, serviceDefinitions } from '../src/services';
import { SYSTEM_DATA_ROOT, unprivilegedDataDir } from '../src/servers/unprivileged-access';

/**
 * The README's run command, exactly as a developer types it, on a home folder and ports of
 * its own, so it starts every server from nothing even while the test servers run.
 */
// A `mktemp -d` folder, 0700 as made: PostgreSQL (run as nobody when we are root) and
// nginx's workers cannot enter it, and the launcher must cope (data where they can reach).
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-launcher-'));
const ports = Object.fromEntries([
  ...Object.entries(localPorts).map(([name, port]) => [name, String(port + 111)]),
  ...serviceDefinitions.map((s) => [portVariable(s), String(s.port + 111)]),
]);
const env = { ...process.env, ...ports, TICKETAKA_HOME: home, LOG_LEVEL: 'warn' };
const gateway = `http://localhost:${ports.GATEWAY_PORT}`;

let launcher: ChildProcess | undefined;
let output = '';

function npm(script: 'start' | 'stop'): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { cwd: repoRoot, env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, output: out }));
  });
}

afterAll(async () => {
  await npm('stop');
  if (launcher?.exitCode === null) launcher.kill('SIGKILL');
  fs.rmSync(home, { recursive: true, force: true });
  const relocated = path.dirname(unprivilegedDataDir('postgres', env));
  if (relocated.startsWith(`${SYSTEM_DATA_ROOT}/`))
    fs.rmSync(relocated, { recursive: true, force: true });
}, 120_000);

test('when the developer sets NODE_ENV, then the launcher passes it to the services unchanged (production is never quietly downgraded)', () => {
  const auth = serviceDefinitions.find((s) => s.name === 'auth')!;
  expect(serviceEnv(auth, { NODE_ENV: 'production' }).NODE_ENV).toBe('production');
  expect(serviceEnv(auth, { NODE_ENV: 'test' }).NODE_ENV).toBe('test');
  expect(serviceEnv(auth, {}).NODE_ENV).toBe('development');
});

test('when `npm start` runs on a machine with nothing running, then the platform comes up and answers through the gateway; a second `npm start` leaves it intact; `npm stop` stops everything it started', async () => {
  launcher = spawn('npm', ['start'], { cwd: repoRoot, env });
  launcher.stdout?.on('data', (d) => (output += d));
  launcher.stderr?.on('data', (d) => (output += d));
  const deadline = Date.now() + 150_000;
  while (!output.includes('Ticketaka is running at') && Date.now() < deadline) {
    if (launcher.exitCode !== null)
      throw new Error(`npm start exited early (code ${launcher.exitCode}):\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(output).toContain(`Ticketaka is running at ${gateway}`);
  expect(output).toMatch(/✔ PostgreSQL \(started\)/);
  expect(output).toMatch(/✔ NATS JetStream \(started\)/);
  expect(output).toMatch(/✔ Redis \(started\)/);
  for (const service of existingServices(env))
    expect(output).toContain(`✔ Service ${service.name} (started)`);

  const me = await fetch(`${gateway}/api/users/currentuser`);
  expect(me.status).toBe(200);
  expect(await readJson(me)).toEqual({ currentUser: null });

  const second = await npm('start');
  expect(second.code).toBe(0);
  expect(second.output).toContain('already running');
  const signup = await fetch(`${gateway}/api/users/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: 'first@example.com',
      password: 'a long enough password',
      displayName: 'First',
      country: 'MX',
    }),
  });
  expect(signup.status).toBe(201);
  const cookie = signup.headers.get('set-cookie')?.split(';')[0] ?? '';
  const again = await fetch(`${gateway}/api/users/currentuser`, { headers: { cookie } });
  expect((await readJson(again)).currentUser.email).toBe('first@example.com');

  // The sandbox signs its webhooks with this installation's own secret, next to the JWT keys.
  const secret = path.join(home, 'keys', 'sandbox-webhook-secret');
  expect(fs.readFileSync(secret, 'utf8')).toMatch(/^whsec_/);
  expect(fs.statSync(secret).mode & 0o777).toBe(0o600);

  const stop = await npm('stop');
  expect(stop.code).toBe(0);
  expect(stop.output).toContain('Ticketaka stopped.');
  await new Promise((r) => setTimeout(r, 500));
  for (const name of ['GATEWAY_PORT', 'POSTGRES_PORT', 'NATS_PORT', 'REDIS_PORT', 'AUTH_PORT']) {
    expect([name, await isPortOpen(Number(ports[name]))]).toEqual([name, false]);
  }
  // The test run's own servers on the default ports were not touched.
  expect(await isPortOpen(localPorts.POSTGRES_PORT)).toBe(true);
}, 200_000);
