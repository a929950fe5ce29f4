import os from 'node:os';
import path from 'node:path';

/**
 * The platform the browser tests run against: started by the project's own `npm start`,
 * on ports of its own (defaults + 200) and a private home, so it never meets a developer's
 * running platform or the shared test servers. A short lock makes expiry observable.
 */
const offset = 200;
export const e2eHome = path.join(os.tmpdir(), 'ticketaka-e2e');
export const e2ePorts = {
  POSTGRES_PORT: 25432 + offset,
  NATS_PORT: 24222 + offset,
  NATS_MONITOR_PORT: 28222 + offset,
  REDIS_PORT: 26379 + offset,
  GATEWAY_PORT: 8080 + offset,
  AUTH_PORT: 4001 + offset,
  TICKETS_PORT: 4002 + offset,
  ORDERS_PORT: 4003 + offset,
  EXPIRATION_PORT: 4004 + offset,
  PAYMENTS_PORT: 4005 + offset,
  KAFKA_BRIDGE_PORT: 4006 + offset,
  CLIENT_PORT: 3000 + offset,
};
export const LOCK_SECONDS = 90;
export const baseURL = `http://localhost:${e2ePorts.GATEWAY_PORT}`;

export const e2eEnv = (): NodeJS.ProcessEnv =>
  ({
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_'))),
    ...Object.fromEntries(Object.entries(e2ePorts).map(([k, v]) => [k, String(v)])),
    TICKETAKA_HOME: e2eHome,
    ORDER_LOCK_SECONDS: String(LOCK_SECONDS),
    LOG_LEVEL: 'warn',
    PAYMENT_PROVIDER: 'sandbox',
  }) as NodeJS.ProcessEnv;
