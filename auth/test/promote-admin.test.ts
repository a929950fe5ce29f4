import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { authEvents } from '@ticketaka/common';
import {
  createTestEnvironment,
  eventually,
  readSubject,
  type TestEnvironment,
  readJson,
} from '@ticketaka/common/testing';
import { startAuthService } from '../src/auth-service';

const run = promisify(execFile);
let env: TestEnvironment;
let auth: Awaited<ReturnType<typeof startAuthService>>;

beforeAll(async () => {
  env = await createTestEnvironment('auth-admin');
  auth = await startAuthService(env.env);
});
afterAll(async () => {
  await auth.close();
  await env.cleanup();
});

const admin = (command: 'admin:promote' | 'admin:demote', email: string) =>
  run('npm', ['run', '--silent', command, '-w', 'auth', '--', email], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, ...env.env },
  });
const promote = (email: string) => admin('admin:promote', email);

test('when the documented admin command promotes an account, then its next session has the admin role and the change is announced', async () => {
  const signup = await fetch(`${auth.url}/api/users/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: 'boss@example.com',
      password: 'a long enough password',
      displayName: 'Boss',
      country: 'QA',
    }),
  });
  const { user } = await readJson(signup);

  const { stdout } = await promote('boss@example.com');
  expect(stdout).toContain('boss@example.com: now admin');
  expect((await promote('boss@example.com')).stdout).toContain('already admin');

  const signin = await fetch(`${auth.url}/api/users/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'boss@example.com', password: 'a long enough password' }),
  });
  expect((await readJson(signin)).user.role).toBe('admin');
  await eventually(async () => {
    const events = await readSubject<{ data: { id: string; role: string; version: number } }>(
      auth.runtime.bus,
      authEvents.userRoleChanged.type,
    );
    expect(events.map((e) => e.data)).toEqual([{ id: user.id, role: 'admin', version: 2 }]);
  });
});

test('when the documented demote command runs, then the account is a fan again and its admin token is refused at once', async () => {
  const signup = await fetch(`${auth.url}/api/users/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: 'former@example.com',
      password: 'a long enough password',
      displayName: 'Former',
      country: 'QA',
    }),
  });
  expect(signup.status).toBe(201);
  await promote('former@example.com');
  const signin = await fetch(`${auth.url}/api/users/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'former@example.com', password: 'a long enough password' }),
  });
  const { token, user } = await readJson(signin);
  expect(user.role).toBe('admin');

  expect((await admin('admin:demote', 'former@example.com')).stdout).toContain(
    'former@example.com: now fan',
  );
  const me = await fetch(`${auth.url}/api/users/currentuser`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(me.status).toBe(401);
  expect((await readJson(me)).errors[0].code).toBe('token_outdated');
});

test('when the account does not exist, then the command fails and says so', async () => {
  await expect(promote('ghost@example.com')).rejects.toMatchObject({
    stderr: expect.stringContaining('No account with email ghost@example.com'),
  });
});
