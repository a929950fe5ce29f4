// `npm start`: the whole platform as local processes, in the foreground; Ctrl-C stops it.
import fs from 'node:fs';
import path from 'node:path';
import { localPort } from '@ticketaka/common/src/config/local-defaults';
import { isAlive, readPid } from '../process/daemon';
import { logDir, runDir } from '../paths';
import type { RunningServer } from '../servers/server';
import { recordStarted, startPlatform, startedListFile, type Progress } from './platform';

const env = process.env;
const gatewayUrl = `http://localhost:${localPort('GATEWAY_PORT', env)}`;
const launcherPidFile = path.join(runDir(env), 'launcher.pid');

const progress: Progress = {
  step(label) {
    const began = Date.now();
    process.stdout.write(`  … ${label}\n`);
    const seconds = () => ((Date.now() - began) / 1000).toFixed(1);
    return {
      done: (detail) =>
        process.stdout.write(`  ✔ ${label}${detail ? ` (${detail})` : ''} ${seconds()} s\n`),
      fail: (error) => process.stdout.write(`  ✘ ${label}: ${(error as Error).message}\n`),
    };
  },
  log: (line) => process.stdout.write(`      ${line}\n`),
};

async function main() {
  const running = readPid('launcher', env);
  if (running && running !== process.pid) {
    console.log(
      `Ticketaka is already running (launcher pid ${running}): ${gatewayUrl}\nStop it with: npm stop`,
    );
    return;
  }
  fs.mkdirSync(runDir(env), { recursive: true });
  fs.writeFileSync(launcherPidFile, String(process.pid));

  let started: RunningServer[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Ticketaka …');
    for (const server of [...started].reverse()) {
      if (!server.started) continue;
      await server.stop().catch(() => undefined);
      console.log(`  ■ ${server.name} stopped`);
    }
    fs.rmSync(startedListFile(env), { force: true });
    fs.rmSync(launcherPidFile, { force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  console.log('Starting Ticketaka …');
  const began = Date.now();
  try {
    started = await startPlatform(env, progress);
  } catch (error) {
    started = (error as { started?: RunningServer[] }).started ?? [];
    console.error(`\nTicketaka could not start: ${(error as Error).message}\nLogs: ${logDir(env)}`);
    await stopAll(1);
    return;
  }
  recordStarted(
    env,
    started.filter((s) => s.started).map((s) => s.name),
  );
  console.log(
    `\nTicketaka is running at ${gatewayUrl} (started in ${((Date.now() - began) / 1000).toFixed(1)} s)`,
  );
  console.log(`Logs: ${logDir(env)}   Stop: Ctrl-C or \`npm stop\``);

  // Report a service that dies, so a developer is not left wondering why requests fail.
  // This interval also keeps the launcher in the foreground until Ctrl-C or `npm stop`.
  const watched = started.filter((s) => s.started);
  setInterval(() => {
    for (const server of watched) {
      const pid = readPid(server.name, env);
      if (pid === undefined || !isAlive(pid)) {
        console.error(
          `  ! ${server.name} is no longer running; see ${path.join(logDir(env), `${server.name}.log`)}`,
        );
        watched.splice(watched.indexOf(server), 1);
      }
    }
  }, 2000);
}

void main();
