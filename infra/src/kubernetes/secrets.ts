// `npm run gen:secrets -w infra [-- --out <file>]`: the per-installation credentials of a
// cluster as Kubernetes Secrets, written to a file (0600) for `kubectl apply -f`; never committed.
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_REDIS_PREFIX } from '@ticketaka/common/src/config/base-config';
import { ADMIN_USER, databaseRole } from '@ticketaka/common/src/credentials/service-credentials';
import { homeDir } from '../paths';
import {
  natsPermissions,
  renderNatsAuthorization,
  servicesWithUsers,
} from '../security/nats-permissions';
import { ensureLocalCredentials, localCredential, natsPublicKey } from '../servers/credentials';
import { renderRedisUsers } from '../servers/redis.server';
import { serviceDefinitions } from '../services';
import { credentialsSecret } from './service-manifests';

const secret = (name: string, data: Record<string, string>, type = 'Opaque') => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name },
  type,
  stringData: data,
});

/**
 * Every Secret the manifests reference for least privilege, from the credentials kept in
 * `credentialsDir` (made there on first use, kept afterwards, so a re-run renders the same
 * values and rotating one means deleting its file):
 * - `ticketaka-<service>-credentials`: what the pod mounts at CREDENTIALS_DIR/<service>;
 * - `ticketaka-admin-credentials`: the operators' (`npm run deadletter`), for a tool pod;
 * - `ticketaka-pg-<service>`: basic-auth of its PostgreSQL role, for CloudNativePG's managed roles;
 * - `ticketaka-nats-authorization`: the servers' users, as public nkeys with their
 *   permissions rendered from service.json (no namespaces in a cluster);
 * - `ticketaka-redis-users`: Redis's ACL file.
 */
export function renderClusterSecrets(credentialsDir: string): object[] {
  const services = servicesWithUsers(serviceDefinitions);
  const env = { ...process.env, CREDENTIALS_DIR: credentialsDir };
  const users = [ADMIN_USER, ...services.map((s) => s.name)];
  ensureLocalCredentials(env, users);
  const files = (user: string) => ({
    'nats.nk': localCredential(env, user, 'nats'),
    'postgres-password': localCredential(env, user, 'postgres'),
    'redis-password': localCredential(env, user, 'redis'),
  });
  const nats = renderNatsAuthorization([
    { name: ADMIN_USER, nkey: natsPublicKey(env, ADMIN_USER) },
    ...services.map((s) => ({
      name: s.name,
      nkey: natsPublicKey(env, s.name),
      permissions: natsPermissions(s, 'none'),
    })),
  ]);
  return [
    ...services.map((s) => secret(credentialsSecret(s.name), files(s.name))),
    secret('ticketaka-admin-credentials', files(ADMIN_USER)),
    ...services.map((s) =>
      secret(
        `ticketaka-pg-${s.name}`,
        { username: databaseRole(s.name), password: localCredential(env, s.name, 'postgres') },
        'kubernetes.io/basic-auth',
      ),
    ),
    secret('ticketaka-nats-authorization', { 'authorization.conf': nats }),
    secret('ticketaka-redis-users', {
      // `probe` (the readiness probe) may PING and nothing else.
      'users.acl': renderRedisUsers(
        env,
        users,
        ['user probe on nopass -@all +ping'],
        DEFAULT_REDIS_PREFIX,
      ),
    }),
  ];
}

if (require.main === module) {
  const at = process.argv.indexOf('--out');
  const out = path.resolve(
    at > 0 ? (process.argv[at + 1] as string) : path.join(homeDir(), 'k8s-secrets.yaml'),
  );
  const credentialsDir = path.join(homeDir(), 'k8s-credentials');
  const yaml = renderClusterSecrets(credentialsDir)
    .map((doc) => stringify(doc))
    .join('---\n');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, yaml, { mode: 0o600 });
  console.log(
    `wrote ${out} (credentials kept in ${credentialsDir}); apply it with: kubectl apply -f ${out}`,
  );
}
