import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { nkeys } from '@nats-io/nats-core';
import { localSecret } from '@ticketaka/common/src/config/local-secret';
import {
  LEGACY_POSTGRES_PASSWORD,
  localCredentialsDir,
} from '@ticketaka/common/src/config/local-defaults';
import {
  ADMIN_USER,
  CREDENTIAL_FILES,
  readCredential,
} from '@ticketaka/common/src/credentials/service-credentials';
import { serviceDefinitions } from '../services';
import { servicesWithUsers } from '../security/nats-permissions';

/**
 * Fixture services of the shared-mechanism tests (common/test/fixtures). They exist on local
 * servers only, with every NATS permission, like `admin`, whose secrets sit beside theirs.
 */
export const LOCAL_TEST_USERS = ['notes', 'warehouse'];

/** Every user a local installation has: admin, each registered service, the test fixtures. */
export const localUsers = () => [
  ADMIN_USER,
  ...servicesWithUsers(serviceDefinitions).map((s) => s.name),
  ...LOCAL_TEST_USERS,
];

const password = () => randomBytes(24).toString('base64url');

/**
 * Writes whatever is missing of each user's secrets under `<home>/credentials/<user>/`
 * (folders 0700, files 0600), once per installation like the JWT keys: a NATS nkey seed, a
 * PostgreSQL password, a Redis password. Existing ones are kept. The superuser password of
 * a PostgreSQL data folder initialised before this existed stays the one it was made with.
 */
export function ensureLocalCredentials(
  env: NodeJS.ProcessEnv = process.env,
  users: string[] = localUsers(),
): string {
  const dir = localCredentialsDir(env);
  // The home keeps its usual mode (PostgreSQL may run as nobody beneath it); only this is private.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  for (const user of users) {
    const folder = path.join(dir, user);
    localSecret(folder, CREDENTIAL_FILES.nats, () =>
      new TextDecoder().decode(nkeys.createUser().getSeed()),
    );
    localSecret(folder, CREDENTIAL_FILES.redis, password);
    localSecret(folder, CREDENTIAL_FILES.postgres, password);
  }
  return dir;
}

/** Before `ensureLocalCredentials`: keeps the old superuser password of an existing data folder. */
export function adoptLegacyPostgresPassword(env: NodeJS.ProcessEnv, dataFolderExists: boolean) {
  if (!dataFolderExists) return;
  const folder = path.join(localCredentialsDir(env), ADMIN_USER);
  if (fs.existsSync(path.join(folder, CREDENTIAL_FILES.postgres))) return;
  localSecret(folder, CREDENTIAL_FILES.postgres, () => LEGACY_POSTGRES_PASSWORD);
}

/** The public half of a user's nkey, which is all the NATS server is told. */
export function natsPublicKey(env: NodeJS.ProcessEnv, user: string): string {
  const seed = readCredential(localCredentialsDir(env), user, 'nats');
  return nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey();
}

export const localCredential = (
  env: NodeJS.ProcessEnv,
  user: string,
  kind: keyof typeof CREDENTIAL_FILES,
) => readCredential(localCredentialsDir(env), user, kind);
