import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths';
import { loadServiceManifests, type ServiceManifest } from './registry/service-manifest';

export type ServiceDefinition = ServiceManifest;

/** Every service registered by a `<service>/service.json`, in start order. */
export const serviceDefinitions: ServiceDefinition[] = loadServiceManifests();

/** The variable that moves a service's local port, e.g. `KAFKA_BRIDGE_PORT`. */
export const portVariable = (service: { name: string }) =>
  `${service.name.toUpperCase().replace(/-/g, '_')}_PORT`;

/** Every registered service's port variable at its default port + `offset` (private platforms, tests). */
export const servicePortsMovedBy = (offset: number): Record<string, string> =>
  Object.fromEntries(serviceDefinitions.map((s) => [portVariable(s), String(s.port + offset)]));

export function servicePort(service: ServiceDefinition, env: NodeJS.ProcessEnv = process.env) {
  const raw = env[portVariable(service)];
  if (raw === undefined || raw === '') return service.port;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${portVariable(service)} must be a TCP port number (1-65535), got "${raw}"`);
  }
  return port;
}

export const entryPoint = (service: ServiceDefinition) =>
  path.join(repoRoot, service.name, 'src', 'main.ts');

/** The variable that tells a caller where a service is, e.g. `KAFKA_BRIDGE_URL`. */
export const urlVariable = (service: { name: string }) =>
  `${service.name.toUpperCase().replace(/-/g, '_')}_URL`;

/** The command that runs a service in a local run, from the repository root. */
export function launchCommand(service: ServiceDefinition): { command: string; args: string[] } {
  if (!service.process) {
    return { command: process.execPath, args: ['--import', 'tsx', entryPoint(service)] };
  }
  const [first, ...rest] = service.process.command as [string, ...string[]];
  return first === 'node'
    ? { command: process.execPath, args: rest }
    : { command: first, args: rest };
}

const enabled = (service: ServiceDefinition, env: NodeJS.ProcessEnv) =>
  !service.enabledWhen || env[service.enabledWhen.env] === service.enabledWhen.equals;

/** A service exists once its package has an entry point; the registry may run ahead of the code. */
export const existingServices = (env: NodeJS.ProcessEnv = process.env) =>
  serviceDefinitions.filter(
    (s) =>
      (s.process
        ? fs.existsSync(path.join(repoRoot, s.name, 'package.json'))
        : fs.existsSync(entryPoint(s))) && enabled(s, env),
  );

/** The variable that runs several processes of a service locally, e.g. `ORDERS_REPLICAS=2`. */
export const replicasVariable = (service: { name: string }) =>
  `${service.name.toUpperCase().replace(/-/g, '_')}_REPLICAS`;

/** Spacing of replica ports: far above every offset a developer moves a platform by. */
const REPLICA_PORT_STEP = 10_000;

/**
 * The local ports of a service's processes: its own port, then port + 10,000 · i for each
 * further replica (`<NAME>_REPLICAS`, 1 to 4). The gateway balances over all of them, as
 * the Kubernetes Service does over `kubernetes.replicas` pods. Only plain services (no
 * `process` block: not the web client) run replicated.
 */
export function replicaPorts(
  service: ServiceDefinition,
  env: NodeJS.ProcessEnv = process.env,
): number[] {
  const raw = env[replicasVariable(service)];
  const replicas = raw === undefined || raw === '' ? 1 : Number(raw);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 4)
    throw new Error(`${replicasVariable(service)} must be 1 to 4, got "${raw}"`);
  if (replicas > 1 && service.process)
    throw new Error(`${service.name} does not run replicated locally`);
  const port = servicePort(service, env);
  return Array.from({ length: replicas }, (_, i) => port + i * REPLICA_PORT_STEP);
}
