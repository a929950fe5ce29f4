/**
 * The one routing table of the public origin: the local nginx config and the Kubernetes
 * ingress are both generated from it (and a test checks the ingress matches it).
 * Longer prefixes win, as in nginx and ingress-nginx.
 */
export interface GatewayRoute {
  prefix: string;
  service: string;
  /** Server-Sent Events: no buffering and long read timeouts. */
  streaming?: boolean;
  /** Requests whose body the service must see byte for byte (signed webhooks). */
  rawBody?: boolean;
}

export const gatewayRoutes: GatewayRoute[] = [
  { prefix: '/api/users/', service: 'auth' },
  { prefix: '/api/matches', service: 'tickets' },
  { prefix: '/api/matches/stream', service: 'tickets', streaming: true },
  { prefix: '/api/tickets/', service: 'tickets' },
  { prefix: '/api/resale', service: 'tickets' },
  { prefix: '/api/orders', service: 'orders' },
  { prefix: '/api/payments', service: 'payments' },
  { prefix: '/api/payments/webhooks/', service: 'payments', rawBody: true },
  { prefix: '/api/partner-sync/', service: 'kafka-bridge' },
];
