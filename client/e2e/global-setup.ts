import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { baseURL, e2eEnv, e2eHome } from './e2e-env';

const repoRoot = path.resolve(__dirname, '..', '..');

/** Debian's Chromium, installed with apt when missing (never a browser download). */
function ensureChromium() {
  if (fs.existsSync('/usr/bin/chromium')) return;
  if (process.getuid?.() !== 0)
    throw new Error('Chromium is missing: sudo apt-get update && sudo apt-get install -y chromium');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const result = spawnSync(
    'apt-get',
    ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
    {
      stdio: 'inherit',
      env,
    },
  );
  if (result.status !== 0) throw new Error('apt-get could not install chromium');
}

/** Starts the whole platform with `npm start` (the README's command) and waits for its URL. */
export default async function globalSetup(config: FullConfig) {
  ensureChromium();
  spawnSync('npm', ['run', '--silent', 'stop'], { cwd: repoRoot, env: e2eEnv(), stdio: 'ignore' });
  fs.rmSync(e2eHome, { recursive: true, force: true });
  fs.mkdirSync(e2eHome, { recursive: true });
  // PostgreSQL runs as `nobody` when we are root and must reach its data folder.
  fs.chmodSync(e2eHome, 0o755);
  const launcher = spawn('npm', ['start'], { cwd: repoRoot, env: e2eEnv(), detached: true });
  let output = '';
  const collect = (d: Buffer) => {
    output += d;
    process.stdout.write(d);
  };
  launcher.stdout.on('data', collect);
  launcher.stderr.on('data', collect);
  const deadline = Date.now() + 600_000;
  while (!output.includes('Ticketaka is running at')) {
    if (launcher.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the platform did not start in time:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  launcher.stdout.removeAllListeners('data');
  launcher.stderr.removeAllListeners('data');
  launcher.unref();
  // Pages are checked by the security layer like the API: Node's own user agent is a known
  // bot there, so the probe asks as the journeys' browser does.
  const ready = await fetch(`${baseURL}/`, {
    headers: {
      'user-agent': String(config.projects[0]?.use.userAgent),
      'accept-language': 'en-GB,en;q=0.9',
    },
  });
  if (!ready.ok) throw new Error(`${baseURL}/ answered ${ready.status}`);
}
