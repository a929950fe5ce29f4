import os from 'node:os';
import path from 'node:path';
import { servicePortsMovedBy } from '../../infra/src/services';

/**
 * The platform the browser tests run against: started by the project's own `npm start`,
 * on ports of its own (defaults + 200, or + E2E_PORT_OFFSET) and a private home, so it never meets a developer's
 * running platform or the shared test servers. A short lock makes expiry observable.
 */
const offset = Number(process.env.E2E_PORT_OFFSET ?? 200);
export const e2eHome = path.join(
  os.tmpdir(),
  offset === 200 ? 'ticketaka-e2e' : `ticketaka-e2e-${offset}`,
);
export const e2ePorts: Record<string, number> = {
  POSTGRES_PORT: 25432 + offset,
  NATS_PORT: 24222 + offset,
  NATS_MONITOR_PORT: 28222 + offset,
  REDIS_PORT: 26379 + offset,
  GATEWAY_PORT: 8080 + offset,
  MAILPIT_SMTP_PORT: 21025 + offset,
  MAILPIT_HTTP_PORT: 28025 + offset,
  // Every registered service moves too, so a service added later never lands on its default port.
  ...Object.fromEntries(
    Object.entries(servicePortsMovedBy(offset)).map(([name, port]) => [name, Number(port)]),
  ),
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
    // Every fan of the journeys signs up from loopback within minutes; the account-creation
    // quotas per address (3 per window by default) are raised for this private test platform
    // only. Every other rule of the security layer stays as fans meet it.
    SIGNUPS_PER_IP: '500',
    SIGNUPS_PER_NETWORK: '500',
    RATE_SIGNUP_PER_IP: '500',
    // Every signed-in page opens the bell's stream and the journeys' fans buy and poll their
    // orders from that one address: the per-address stream and purchase rates (30 and 60 a
    // minute) and the orders per network (20 in 10 minutes) are raised like the quotas
    // above; per-account limits stay.
    RATE_STREAM_PER_IP: '1000',
    RATE_PURCHASE_PER_IP: '1000',
    ORDERS_PER_NETWORK: '500',
    // Chromium, Next.js and every service share two cores here: the first checks after start
    // can take longer than the production 50 ms, and sign-up fails closed. The fail policy
    // itself is proven by security's gateway tests; the journeys test the fan's path.
    GATEWAY_CHECK_TIMEOUT_MS: '2000',
  }) as NodeJS.ProcessEnv;
