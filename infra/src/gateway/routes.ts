import type { ServiceRoute } from '../registry/service-manifest';
import { serviceDefinitions } from '../services';

/**
 * The one routing table of the public origin, gathered from every service's service.json:
 * the local nginx config and the Kubernetes ingress are both generated from it.
 * Longer prefixes win, as in nginx and ingress-nginx.
 */
export type GatewayRoute = ServiceRoute & { service: string };

export const gatewayRoutes: GatewayRoute[] = serviceDefinitions.flatMap((service) =>
  service.routes.map((route) => ({ ...route, service: service.name })),
);

const taken = new Map<string, string>();
for (const route of gatewayRoutes) {
  const other = taken.get(route.prefix);
  if (other) throw new Error(`Route ${route.prefix} is claimed by ${other} and ${route.service}`);
  taken.set(route.prefix, route.service);
}
