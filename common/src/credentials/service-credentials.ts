import fs from 'node:fs';
import path from 'node:path';

/**
 * Every process that talks to NATS, PostgreSQL or Redis does so as a user of its own: one
 * per service (its name), plus `admin` for the tools that provision and inspect (the
 * launcher, the test harness, `npm run deadletter`). A user's secrets are three files in
 * `<CREDENTIALS_DIR>/<user>/`, the same layout everywhere:
 *
 * - locally, the launcher and the test set-up write them under the installation's home
 *   (`.local/credentials`, directories 0700, files 0600; infra/src/servers/credentials.ts);
 * - in Kubernetes each pod mounts only its own Secret at `/var/run/ticketaka/credentials/<service>`.
 *
 * Reading them is this module's job, so no service knows where its credentials come from.
 */
export const CREDENTIAL_FILES = {
  /** The NATS nkey seed (`SU…`); the server knows only its public key. */
  nats: 'nats.nk',
  /** Password of the PostgreSQL role named like the service's schema. */
  postgres: 'postgres-password',
  /** Password of the Redis ACL user named like the service. */
  redis: 'redis-password',
} as const;

export type CredentialKind = keyof typeof CREDENTIAL_FILES;

export const ADMIN_USER = 'admin';

export const credentialFile = (dir: string, user: string, kind: CredentialKind) =>
  path.join(dir, user, CREDENTIAL_FILES[kind]);

/** The PostgreSQL role of a service: its schema's name (dashes become underscores). */
export const databaseRole = (service: string) => service.replace(/-/g, '_');

export class MissingCredentialsError extends Error {}

export function readCredential(dir: string, user: string, kind: CredentialKind): string {
  const file = credentialFile(dir, user, kind);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new MissingCredentialsError(
      `no ${kind} credentials for "${user}": ${file} cannot be read (CREDENTIALS_DIR=${dir}). ` +
        'Locally `npm start` or the test set-up writes them; in Kubernetes the pod mounts its Secret there.',
      { cause: error },
    );
  }
}

/** The connection URL with the user's name and password in it (any given in the URL are replaced). */
export function withUser(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** How `user` reaches PostgreSQL: as its own role (a service) or the cluster's admin. */
export function databaseUrlFor(databaseUrl: string, dir: string, user: string): string {
  const role = user === ADMIN_USER ? 'postgres' : databaseRole(user);
  return withUser(databaseUrl, role, readCredential(dir, user, 'postgres'));
}

export const redisUrlFor = (redisUrl: string, dir: string, user: string) =>
  withUser(redisUrl, user, readCredential(dir, user, 'redis'));
