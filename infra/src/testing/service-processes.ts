import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths';
import { serviceDefinitions } from '../services';

/** A service as its own process, exactly as the launcher runs it, so it can exit or be killed. */
export interface ServiceProcess {
  name: string;
  url: string;
  child: ChildProcess;
  logFile: string;
  /** Exit code or signal once it ended; undefined while it runs. */
  ended(): string | undefined;
}

export interface ServiceProcessOptions {
  /** Its port: `port`, or its registered port moved by `portOffset`. */
  port?: number;
  portOffset?: number;
  /** Where its output goes (`<logDir>/<name>.log`); unset, it shares this process's terminal. */
  logDir?: string;
  /** Node.js flags before the entry point, e.g. `--cpu-prof` (NODE_OPTIONS refuses it). */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}

export async function startServiceProcess(
  name: string,
  env: NodeJS.ProcessEnv,
  options: ServiceProcessOptions,
): Promise<ServiceProcess> {
  const definition = serviceDefinitions.find((s) => s.name === name);
  if (!definition) throw new Error(`no service named ${name}`);
  const port = options.port ?? definition.port + (options.portOffset ?? 0);
  let logFile = '(this terminal)';
  let out: number | 'inherit' = 'inherit';
  if (options.logDir) {
    fs.mkdirSync(options.logDir, { recursive: true });
    logFile = path.join(options.logDir, `${name}.log`);
    out = fs.openSync(logFile, 'a');
  }
  const entry = path.join(name, 'src', 'main.ts');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', entry], {
    cwd: repoRoot,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', out, out],
  });
  if (typeof out === 'number') fs.closeSync(out);
  let end: string | undefined;
  child.once('exit', (code, signal) => (end = signal ?? `code ${code}`));
  const service: ServiceProcess = {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    logFile,
    ended: () => end,
  };
  await waitUntilReady(service, options.readyTimeoutMs ?? 60_000);
  return service;
}

export async function readiness(url: string): Promise<{ status: number; body: unknown }> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
    return { status: response.status, body: await response.json() };
  } catch (error) {
    return { status: 0, body: (error as Error).message };
  }
}

export async function waitUntilReady(service: ServiceProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (service.ended())
      throw new Error(`${service.name} ended (${service.ended()}); see ${service.logFile}`);
    const { status, body } = await readiness(service.url);
    if (status === 200) return;
    last = body;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${service.name} not ready after ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

export async function stopServiceProcess(
  service: ServiceProcess,
  signal: NodeJS.Signals = 'SIGTERM',
) {
  if (service.ended()) return;
  const exited = new Promise((r) => service.child.once('exit', r));
  service.child.kill(signal);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 25_000))]);
  if (!service.ended()) service.child.kill('SIGKILL');
}
