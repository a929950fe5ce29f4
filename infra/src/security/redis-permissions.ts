import type { ServiceManifest } from '../registry/service-manifest';
import { serviceDefinitions } from '../services';

/**
 * The Redis keys each user may touch, derived from the `redis.owns` of its service.json: a
 * service reads and writes `<prefix>:<namespace>:*` for each namespace it owns, and every
 * service may read (never write) auth's session revocations, which common's token verifier
 * checks on every request. So security cannot forge or erase a revocation, and no service
 * can clear another's rate counters, challenges or expiry jobs.
 *
 * `prefix` is the REDIS_PREFIX the keys start with: `ticketaka` in Kubernetes; `*` on local
 * servers, which every test file shares under a prefix of its own. There the namespace
 * segment is what separates services (`*:security:*`), which docs/operations.md states.
 * Users that are not services (`admin`, the shared-mechanism test fixtures) keep every key.
 */
export const REVOCATIONS_NAMESPACE = 'auth';

export function redisKeyRules(
  user: string,
  prefix: string,
  services: ServiceManifest[] = serviceDefinitions,
): string[] {
  const service = services.find((s) => s.name === user);
  if (!service) return ['~*'];
  const owns = service.redis?.owns ?? [];
  const rules = owns.map((namespace) => `~${prefix}:${namespace}:*`);
  if (!owns.includes(REVOCATIONS_NAMESPACE)) rules.push(`%R~${prefix}:${REVOCATIONS_NAMESPACE}:*`);
  return rules;
}
