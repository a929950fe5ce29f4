import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { localPort } from '@ticketaka/common/src/config/local-defaults';
import { startDaemon } from '../process/daemon';
import { isPortOpen, waitUntil } from '../process/port';
import { homeDir } from '../paths';
import { reused, type RunningServer, type ServerDefinition } from './server';

const run = promisify(execFile);

const MODULE = 'github.com/stripe/stripe-mock@latest';
/** stripe-mock accepts any key of the right shape; this is the one its own docs use. */
export const STRIPE_MOCK_API_KEY = 'sk_test_123';

const binDir = (env: NodeJS.ProcessEnv) => path.join(homeDir(env), 'bin');

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Our own copy under `.local/bin` first, so a developer's older stripe-mock never shadows it. */
function findBinary(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [binDir(env), ...(env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  return dirs.map((dir) => path.join(dir, 'stripe-mock')).find(isExecutable);
}

async function install(env: NodeJS.ProcessEnv): Promise<string> {
  const binary = path.join(binDir(env), 'stripe-mock');
  try {
    await run('go', ['version'], { env });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // Not golang-go from Debian 12 apt: it is Go 1.19, and stripe-mock needs 1.22.
    throw new Error(
      `stripe-mock: not found at ${binary} or on PATH, and \`go\` is not installed to build it: ` +
        'install Go 1.22+ from https://go.dev/dl (or put a stripe-mock binary on PATH)',
    );
  }
  process.stderr.write(`stripe-mock: building ${MODULE} with Go (first run only)…\n`);
  const started = Date.now();
  try {
    await run('go', ['install', MODULE], {
      env: { ...env, GOBIN: binDir(env) },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr = '' } = error as { stderr?: string };
    throw new Error(`stripe-mock: \`go install ${MODULE}\` failed\n${stderr}`.trimEnd());
  }
  if (!isExecutable(binary)) throw new Error(`stripe-mock: go install did not produce ${binary}`);
  process.stderr.write(
    `stripe-mock: installed in ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
  return binary;
}

async function answers(url: string): Promise<boolean> {
  const response = await fetch(`${url}/v1/customers`, {
    headers: { Authorization: `Bearer ${STRIPE_MOCK_API_KEY}` },
    signal: AbortSignal.timeout(2_000),
  });
  return response.status === 200;
}

export const stripeMockServer: ServerDefinition = {
  name: 'stripe-mock',
  async ensure(callerEnv = process.env): Promise<RunningServer> {
    // Callers may pass only the overrides (ports, TICKETAKA_HOME); go still needs PATH and HOME.
    const env = { ...process.env, ...callerEnv };
    const port = localPort('STRIPE_MOCK_PORT', env);
    const url = `http://127.0.0.1:${port}`;
    if (await isPortOpen(port)) {
      await waitUntil('stripe-mock', () => answers(url), { timeoutMs: 10_000 });
      return reused('stripe-mock', url);
    }
    const binary = findBinary(env) ?? (await install(env));
    const daemon = await startDaemon(
      {
        name: 'stripe-mock',
        command: binary,
        // HTTP on loopback only, like the other servers. stripe-mock still opens HTTPS on :12112
        // when given just -http-addr, which would clash between two checkouts; parking HTTPS on
        // an OS-chosen loopback port avoids that (-http-port would switch it off but bind 0.0.0.0).
        args: ['-http-addr', `127.0.0.1:${port}`, '-https-addr', '127.0.0.1:0'],
        env,
        ready: async () => (await isPortOpen(port)) && answers(url),
      },
      env,
    );
    return { name: 'stripe-mock', started: true, url, stop: daemon.stop };
  },
};
