// `npm stop`: stops what `npm start` started (and nothing else), also if the launcher itself died.
import fs from 'node:fs';
import { readPid, removePidFile, stopPid } from '../process/daemon';
import { startedListFile } from './platform';

async function main() {
  const env = process.env;
  const launcher = readPid('launcher', env);
  if (launcher) {
    console.log(`Stopping the Ticketaka launcher (pid ${launcher}) …`);
    await stopPid(launcher, 60_000);
  }
  let names: string[] = [];
  try {
    names = JSON.parse(fs.readFileSync(startedListFile(env), 'utf8')) as string[];
  } catch {
    /* nothing recorded: the launcher stopped cleanly */
  }
  for (const name of names.reverse()) {
    const pid = readPid(name, env);
    if (pid) {
      await stopPid(pid);
      console.log(`  ■ ${name} stopped`);
    }
    removePidFile(name, env);
  }
  fs.rmSync(startedListFile(env), { force: true });
  removePidFile('launcher', env);
  console.log(launcher || names.length ? 'Ticketaka stopped.' : 'Ticketaka was not running.');
}

void main();
