import { Client } from 'pg';
import { localAdminDatabaseUrl } from '@ticketaka/common/src/config/local-defaults';
import { kafkaServer } from '../servers/kafka.server';
import { coreServers } from '../servers/core-servers';
import type { RunningServer, ServerDefinition } from '../servers/server';
import { mailpitServer } from '../servers/mailpit.server';
import { stripeMockServer } from '../servers/stripe-mock.server';

declare global {
  var __ticketakaTestServers: RunningServer[] | undefined;
}

/**
 * Starts the real servers for the whole run (or reuses the ones a local run has up), with
 * the same code as `npm start`. Test files isolate themselves on top of these.
 */
export default async function globalSetup(globalConfig: {
  testPathPatterns?: { patterns?: string[] };
}): Promise<void> {
  const started = Date.now();
  const wanted: ServerDefinition[] = [...coreServers];
  // Kafka and stripe-mock are installed and started once here, before the workers, so test
  // files running in parallel never race to install them and none stops them under another.
  // A run limited to other folders (e.g. `npx jest auth/test`) skips them.
  const patterns = globalConfig.testPathPatterns?.patterns ?? [];
  const runs = (folders: RegExp) => patterns.length === 0 || patterns.some((p) => folders.test(p));
  if (runs(/kafka|bridge|infra/)) wanted.push(kafkaServer);
  if (runs(/payments|stripe|infra/)) wanted.push(stripeMockServer);
  if (runs(/notifications|mail|infra/)) wanted.push(mailpitServer);
  const servers: RunningServer[] = [];
  // Every database a test run creates is dropped afterwards: no need to fsync it.
  const env = { ...process.env, TICKETAKA_THROWAWAY_DATA: 'true' };
  for (const server of wanted) servers.push(await server.ensure(env));
  globalThis.__ticketakaTestServers = servers;
  const postgres = servers[0];
  if (postgres?.started) await dropLeftoverTestDatabases();
  const summary = servers.map((s) => `${s.name} ${s.started ? 'started' : 'reused'}`).join(', ');
  process.stderr.write(`\n[test servers] ${summary} in ${Date.now() - started} ms\n`);
}

/** Databases of a run that crashed before its clean-up; nobody else can be using them. */
async function dropLeftoverTestDatabases() {
  const client = new Client({ connectionString: localAdminDatabaseUrl(process.env, 'postgres') });
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'",
  );
  for (const { datname } of rows)
    await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  await client.end();
}
