import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { e2eEnv, e2eHome } from './e2e-env';

/** `npm stop` stops exactly what the launcher started; then the private home goes. */
export default async function globalTeardown() {
  spawnSync('npm', ['run', '--silent', 'stop'], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: e2eEnv(),
    stdio: 'inherit',
  });
  fs.rmSync(e2eHome, { recursive: true, force: true });
}
