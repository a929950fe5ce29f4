import { z } from 'zod';

/**
 * Where the server components find the services: inside the cluster their Service names,
 * in a local run the launcher passes each one's port (`<NAME>_URL`). Checked once at start-up.
 */
const url = (port: number) => z.string().url().default(`http://127.0.0.1:${port}`);
const schema = z.object({
  AUTH_URL: url(4001),
  TICKETS_URL: url(4002),
  ORDERS_URL: url(4003),
  PAYMENTS_URL: url(4005),
  KAFKA_BRIDGE_URL: url(4006),
  ANALYTICS_URL: url(4008),
  NOTIFICATIONS_URL: url(4009),
  /** How long the public catalogue may be reused between renders (live counts come by SSE). */
  CATALOGUE_CACHE_SECONDS: z.coerce.number().int().min(0).max(60).default(2),
});

export type ClientConfig = z.infer<typeof schema>;

function load(): ClientConfig {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`client configuration is invalid:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}

export const config = load();
export type ServiceName =
  'auth' | 'tickets' | 'orders' | 'payments' | 'kafka-bridge' | 'analytics' | 'notifications';
export const serviceUrl: Record<ServiceName, string> = {
  auth: config.AUTH_URL,
  tickets: config.TICKETS_URL,
  orders: config.ORDERS_URL,
  payments: config.PAYMENTS_URL,
  'kafka-bridge': config.KAFKA_BRIDGE_URL,
  analytics: config.ANALYTICS_URL,
  notifications: config.NOTIFICATIONS_URL,
};
