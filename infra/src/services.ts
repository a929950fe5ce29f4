import fs from 'node:fs';
import path from 'node:path';
import type { LocalPortName } from '@ticketaka/common/src/config/local-defaults';
import { repoRoot } from './paths';

export interface ServiceDefinition {
  /** Folder, npm package suffix, PostgreSQL schema (dashes become underscores). */
  name: string;
  port: LocalPortName;
  /** Started by the local launcher only when this returns true (e.g. partner sync enabled). */
  enabled?: (env: NodeJS.ProcessEnv) => boolean;
}

/** Every backend service, in start order (tickets before orders, which asks it for holds). */
export const serviceDefinitions: ServiceDefinition[] = [
  { name: 'auth', port: 'AUTH_PORT' },
  { name: 'tickets', port: 'TICKETS_PORT' },
  { name: 'orders', port: 'ORDERS_PORT' },
  { name: 'expiration', port: 'EXPIRATION_PORT' },
  { name: 'payments', port: 'PAYMENTS_PORT' },
  {
    name: 'kafka-bridge',
    port: 'KAFKA_BRIDGE_PORT',
    enabled: (env) => env.PARTNER_SYNC === 'true',
  },
];

export const entryPoint = (service: ServiceDefinition) =>
  path.join(repoRoot, service.name, 'src', 'main.ts');

/** A service exists once its package has an entry point; the registry may run ahead of the code. */
export const existingServices = (env: NodeJS.ProcessEnv = process.env) =>
  serviceDefinitions.filter((s) => fs.existsSync(entryPoint(s)) && (s.enabled?.(env) ?? true));
