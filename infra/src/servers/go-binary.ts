import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { homeDir } from '../paths';

const run = promisify(execFile);

const binDir = (env: NodeJS.ProcessEnv) => path.join(homeDir(env), 'bin');

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Our own copy under `.local/bin` first, so a developer's older copy never shadows it. */
function findBinary(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [binDir(env), ...(env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  return dirs.map((dir) => path.join(dir, name)).find(isExecutable);
}

/**
 * A server written in Go that we build from its module with `go install` on first use
 * (stripe-mock, Mailpit): never committed, never downloaded as a prebuilt binary.
 */
export async function ensureGoBinary(
  tool: { name: string; module: string },
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const found = findBinary(tool.name, env);
  if (found) return found;
  const binary = path.join(binDir(env), tool.name);
  try {
    await run('go', ['version'], { env });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // Not golang-go from Debian 12 apt: it is Go 1.19, too old for these modules.
    throw new Error(
      `${tool.name}: not found at ${binary} or on PATH, and \`go\` is not installed to build it: ` +
        `install Go 1.24+ from https://go.dev/dl (or put a ${tool.name} binary on PATH)`,
    );
  }
  process.stderr.write(`${tool.name}: building ${tool.module} with Go (first run only)…\n`);
  const started = Date.now();
  try {
    await run('go', ['install', tool.module], {
      env: { ...env, GOBIN: binDir(env) },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr = '' } = error as { stderr?: string };
    throw new Error(`${tool.name}: \`go install ${tool.module}\` failed\n${stderr}`.trimEnd());
  }
  if (!isExecutable(binary)) throw new Error(`${tool.name}: go install did not produce ${binary}`);
  process.stderr.write(
    `${tool.name}: installed in ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
  return binary;
}
