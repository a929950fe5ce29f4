import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { logDir, runDir } from '../paths';
import { isPortOpen, waitUntil } from './port';
import { setSessionNice } from './scheduling';

export interface DaemonSpec {
  /** Unique name; used for the pid file `run/<name>.pid` and the log `logs/<name>.log`. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this uid/gid (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  /** When set, refuse to start if something already listens there: readiness would be a lie. */
  port?: number;
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Nice level (0–19) of the process, its threads and its session (infra/src/process/scheduling.ts). */
  nice?: number;
  /** How the server asks to be stopped cleanly (PostgreSQL: SIGINT, its fast shutdown). */
  stopSignal?: NodeJS.Signals;
}

export interface Daemon {
  name: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

const pidFile = (name: string, env?: NodeJS.ProcessEnv) => path.join(runDir(env), `${name}.pid`);

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPid(name: string, env?: NodeJS.ProcessEnv): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(name, env), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a long-running process detached from our own process group, so Ctrl-C in a
 * terminal reaches the launcher (which then stops things in order) rather than every
 * server at once. Output goes to a log file; the pid is recorded so `npm stop` can find it.
 */
export async function startDaemon(spec: DaemonSpec, env?: NodeJS.ProcessEnv): Promise<Daemon> {
  if (spec.port !== undefined && (await isPortOpen(spec.port))) {
    throw new Error(
      `${spec.name}: port ${spec.port} is already in use by another process (a platform still running? try \`npm stop\`)`,
    );
  }
  fs.mkdirSync(runDir(env), { recursive: true });
  fs.mkdirSync(logDir(env), { recursive: true });
  const logFile = path.join(logDir(env), `${spec.name}.log`);
  const out = fs.openSync(logFile, 'a');
  // `nice` execs the command in place, so the pid recorded below is the server's own.
  const [command, args] = spec.nice
    ? ['nice', ['-n', String(spec.nice), spec.command, ...spec.args]]
    : [spec.command, spec.args];
  const child = spawn(command, args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ['ignore', out, out],
    uid: spec.uid,
    gid: spec.gid,
  });
  fs.closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Could not start ${spec.name} (${spec.command})`);
  child.unref();
  // spawn returns once the child has exec'd, after its setsid: this is its own session.
  if (spec.nice) setSessionNice(pid, spec.nice);
  fs.writeFileSync(pidFile(spec.name, env), String(pid));

  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  try {
    await waitUntil(
      spec.name,
      async () => {
        if (exited !== null) {
          throw new Error(`${spec.name} exited with code ${exited}; see ${logFile}`);
        }
        return spec.ready();
      },
      { timeoutMs: spec.readyTimeoutMs ?? 30_000 },
    ).catch((error: Error) => {
      if (exited !== null)
        throw new Error(`${spec.name} exited with code ${exited}; see ${logFile}`);
      throw error;
    });
  } catch (error) {
    await stopPid(pid);
    removePidFile(spec.name, env);
    throw new Error(
      `${(error as Error).message}\n--- last lines of ${logFile} ---\n${tail(logFile)}`,
    );
  }
  return {
    name: spec.name,
    pid,
    logFile,
    stop: async () => {
      await stopPid(pid, undefined, spec.stopSignal);
      removePidFile(spec.name, env);
    },
  };
}

export function removePidFile(name: string, env?: NodeJS.ProcessEnv) {
  fs.rmSync(pidFile(name, env), { force: true });
}

/** SIGTERM, then SIGKILL if the process has not exited after the grace period. */
export async function stopPid(
  pid: number,
  graceMs = 10_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Kills a daemon and every process it started, at once and without warning (a crash): the
 * daemon leads its own process group, so PostgreSQL's backends die with the postmaster and
 * a restart finds no orphan holding its shared memory.
 */
export async function killGroup(pid: number): Promise<void> {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    return;
  }
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
