import { Client } from 'pg';
import { localDatabaseUrl } from '@ticketaka/common/src/config/local-defaults';
import { natsServer } from '../servers/nats.server';
import { postgresServer } from '../servers/postgres.server';
import { redisServer } from '../servers/redis.server';
import type { RunningServer } from '../servers/server';

declare global {
  var __ticketakaTestServers: RunningServer[] | undefined;
}

/**
 * Starts the real servers for the whole run (or reuses the ones a local run has up), with
 * the same code as `npm start`. Test files isolate themselves on top of these.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const servers = await Promise.all([
    postgresServer.ensure(),
    natsServer.ensure(),
    redisServer.ensure(),
  ]);
  globalThis.__ticketakaTestServers = servers;
  const postgres = servers[0];
  if (postgres?.started) await dropLeftoverTestDatabases();
  const summary = servers.map((s) => `${s.name} ${s.started ? 'started' : 'reused'}`).join(', ');
  process.stderr.write(`\n[test servers] ${summary} in ${Date.now() - started} ms\n`);
}

/** Databases of a run that crashed before its clean-up; nobody else can be using them. */
async function dropLeftoverTestDatabases() {
  const client = new Client({ connectionString: localDatabaseUrl(process.env, 'postgres') });
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'",
  );
  for (const { datname } of rows)
    await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  await client.end();
}
