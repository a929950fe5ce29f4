import { generateKeyPairSync } from 'node:crypto';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestEnvironment, eventually, type TestEnvironment } from '@ticketaka/common/testing';
import { imageWorkspaces } from '../src/images/dockerfile';
import { repoRoot } from '../src/paths';
import { serviceDefinitions } from '../src/services';

/*
 * What the runtime stage of a Node service's image holds, built without Docker: the output of
 * the same compile script the Dockerfile runs, for exactly the workspaces the Dockerfile ships,
 * resolved through a node_modules where @ticketaka/* are those compiled folders (no TypeScript,
 * no tsx loader). Tickets is the service with the most files beside its code (migrations, the
 * bundled master list, its service.json).
 */
const run = promisify(execFile);
const service = serviceDefinitions.find((s) => s.name === 'tickets');
if (!service) throw new Error('tickets is not registered');
const workspaces = imageWorkspaces(service);

let out: string;
let env: TestEnvironment;
let child: ChildProcess | undefined;
let output = '';

/** node_modules of the image: third-party packages from the repository, our workspaces compiled. */
function linkNodeModules(target: string) {
  const modules = path.join(target, 'node_modules');
  fs.mkdirSync(path.join(modules, '@ticketaka'), { recursive: true });
  for (const entry of fs.readdirSync(path.join(repoRoot, 'node_modules'))) {
    if (entry === '@ticketaka' || entry === '.bin') continue;
    fs.symlinkSync(path.join(repoRoot, 'node_modules', entry), path.join(modules, entry));
  }
  for (const w of workspaces) {
    fs.symlinkSync(path.join(target, w), path.join(modules, '@ticketaka', w));
  }
}

beforeAll(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-image-'));
  env = await createTestEnvironment('compiled_image');
  await run(
    process.execPath,
    [path.join(repoRoot, 'infra/scripts/compile-service.js'), out, ...workspaces],
    { cwd: repoRoot },
  );
  linkNodeModules(out);
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await env?.cleanup();
  fs.rmSync(out, { recursive: true, force: true });
});

test('when the image is compiled, then it holds JavaScript and the files beside it, and no TypeScript', () => {
  const files = fs.readdirSync(out, { recursive: true }).map(String);
  expect(files).toContain(path.join(service.name, 'src', 'main.js'));
  expect(files).toContain(path.join('common', 'src', 'index.js'));
  expect(files.some((f) => f.endsWith('.sql') && f.startsWith(service.name))).toBe(true);
  expect(files.filter((f) => f.endsWith('.ts') && !f.includes('node_modules'))).toEqual([]);
  expect(JSON.parse(fs.readFileSync(path.join(out, 'common', 'package.json'), 'utf8')).main).toBe(
    'src/index.js',
  );
});

test('when the compiled service is started with plain node, then /healthz and /readyz answer, and SIGTERM stops it cleanly', async () => {
  child = spawn(process.execPath, [path.join(service.name, 'src', 'main.js')], {
    cwd: out,
    env: {
      PATH: process.env.PATH,
      ...env.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      PORT: '0',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
      // Production never makes its own ticket-code key (it comes from a Secret); a fresh one here.
      TICKET_CODE_PRIVATE_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));

  const port = await eventually(() => {
    const line = output.split('\n').find((l) => l.includes('"msg":"listening"'));
    if (!line) throw new Error(`not listening yet:\n${output.slice(-2000)}`);
    return JSON.parse(line).port as number;
  }, 60_000);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect(health.status).toBe(200);
  const ready = await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    if (res.status !== 200) throw new Error(`readyz ${res.status}`);
    return res.json();
  }, 20_000);
  expect(ready).toMatchObject({ status: 'ready' });
  // The compiled code really ran from the image layout: the bundled master list was loaded.
  const matches = await fetch(`http://127.0.0.1:${port}/api/matches`);
  expect(matches.status).toBe(200);
  expect(((await matches.json()) as { matches: unknown[] }).matches).toHaveLength(64);

  const exited = new Promise<number | null>((resolve) => child?.on('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(output).toContain('"msg":"stopped"');
}, 90_000);
