import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localPorts } from '@ticketaka/common/src/config/local-defaults';
import { readJson } from '@ticketaka/common/testing';
import { BROWSER, solvedAltcha } from '@ticketaka/common/testing';
import { isPortOpen } from '../src/process/port';
import { repoRoot, runDir } from '../src/paths';
import { niceLevels } from '../src/process/scheduling';
import { serviceEnv } from '../src/launcher/platform';
import { existingServices, serviceDefinitions, servicePortsMovedBy } from '../src/services';
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
  ...Object.entries(servicePortsMovedBy(111)),
]);
// A generous check timeout: this test is about the launcher, not the fail policy (tested in
// security/test/gateway.test.ts), and a busy test machine must not turn a sign-up into a 503.
const env = {
  ...process.env,
  ...ports,
  TICKETAKA_HOME: home,
  LOG_LEVEL: 'warn',
  GATEWAY_CHECK_TIMEOUT_MS: '2000',
};
const gateway = `http://localhost:${ports.GATEWAY_PORT}`;

/** A thread's nice level: field 19 of its /proc stat line (the name in parentheses may hold spaces). */
const niceOf = (statFile: string) => {
  const text = fs.readFileSync(statFile, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[16]);
};

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
  // A fresh clone also builds the web client here (next build, 1–3 minutes on 2 cores).
  const deadline = Date.now() + 450_000;
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

  // Pages are checked too (policy `page`): a browser's headers, as in the API calls below.
  const page = await fetch(`${gateway}/`, { headers: BROWSER });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('World Cup matches');

  // A fan's browser: the security check blocks clients that announce themselves as scripts.
  const me = await fetch(`${gateway}/api/users/currentuser`, { headers: BROWSER });
  expect(me.status).toBe(200);
  expect(await readJson(me)).toEqual({ currentUser: null });

  // Each service's session runs at its scheduling class's nice level (Linux shares the cores
  // between sessions first), and so does every thread of it (Argon2 and DuckDB use worker
  // threads): under load the front door gets a core before the consumers behind it.
  for (const service of existingServices(env)) {
    const pid = fs.readFileSync(path.join(runDir(env), `${service.name}.pid`), 'utf8').trim();
    const expected = niceLevels[service.scheduling];
    const threads = fs.readdirSync(`/proc/${pid}/task`);
    const levels = new Set(threads.map((tid) => niceOf(`/proc/${pid}/task/${tid}/stat`)));
    expect([service.name, [...levels]]).toEqual([service.name, [expected]]);
    if (fs.existsSync(`/proc/${pid}/autogroup`))
      expect([service.name, fs.readFileSync(`/proc/${pid}/autogroup`, 'utf8')]).toEqual([
        service.name,
        expect.stringMatching(new RegExp(`nice ${expected}\\s*$`)),
      ]);
  }

  const second = await npm('start');
  expect(second.code).toBe(0);
  expect(second.output).toContain('already running');
  // The gateway's security check is on: sign-up needs a proof-of-work, solved as a browser would.
  const unsolved = await fetch(`${gateway}/api/users/signup`, {
    method: 'POST',
    headers: BROWSER,
  });
  expect(unsolved.status).toBe(428);
  const signup = await fetch(`${gateway}/api/users/signup`, {
    method: 'POST',
    headers: {
      ...BROWSER,
      'content-type': 'application/json',
      'x-altcha': await solvedAltcha(`${gateway}/api/security/challenge`),
    },
    body: JSON.stringify({
      email: 'first@example.com',
      password: 'a long enough password',
      displayName: 'First',
      country: 'MX',
    }),
  });
  expect(signup.status).toBe(201);
  const cookie = signup.headers.get('set-cookie')?.split(';')[0] ?? '';
  const again = await fetch(`${gateway}/api/users/currentuser`, {
    headers: { ...BROWSER, cookie },
  });
  expect((await readJson(again)).currentUser.email).toBe('first@example.com');

  // The sandbox signs its webhooks with this installation's own secret, next to the JWT keys.
  const secret = path.join(home, 'keys', 'sandbox-webhook-secret');
  expect(fs.readFileSync(secret, 'utf8')).toMatch(/^whsec_/);
  expect(fs.statSync(secret).mode & 0o777).toBe(0o600);

  const stop = await npm('stop');
  expect(stop.code).toBe(0);
  expect(stop.output).toContain('Ticketaka stopped.');
  await new Promise((r) => setTimeout(r, 500));
  for (const name of [
    'GATEWAY_PORT',
    'POSTGRES_PORT',
    'NATS_PORT',
    'REDIS_PORT',
    'AUTH_PORT',
    'CLIENT_PORT',
  ]) {
    expect([name, await isPortOpen(Number(ports[name]))]).toEqual([name, false]);
  }
  // The test run's own servers on the default ports were not touched.
  expect(await isPortOpen(localPorts.POSTGRES_PORT)).toBe(true);
}, 500_000);
