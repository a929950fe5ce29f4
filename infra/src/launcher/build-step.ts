import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths';
import type { ServiceProcess } from '../registry/service-manifest';

type Build = NonNullable<ServiceProcess['build']>;

/** Newest modification time under a file or folder (node_modules and build output skipped). */
function newestMtime(target: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target)) {
    if (entry === 'node_modules' || entry === '.next' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

/** True when the build output is missing or older than one of its inputs. */
export function buildIsStale(build: Build, root = repoRoot): boolean {
  const output = path.join(root, build.output);
  if (!fs.existsSync(output)) return true;
  const built = fs.statSync(output).mtimeMs;
  return build.inputs.some((input) => newestMtime(path.join(root, input)) > built);
}

/**
 * Runs a service's build in the foreground, passing each line of its output to `log` so the
 * developer sees the progress of a first start (a Next.js build takes a minute or two).
 */
export function runBuild(
  build: Build,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<void> {
  const [first, ...args] = build.command as [string, ...string[]];
  const command = first === 'node' ? process.execPath : first;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let last: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split(/\r?\n/)) {
        if (!line.trim()) continue;
        last = [...last.slice(-19), line];
        log(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `build failed (${build.command.join(' ')}, exit ${code}):\n${last.join('\n')}`,
            ),
          ),
    );
  });
}
