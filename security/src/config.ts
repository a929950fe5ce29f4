import { z } from 'zod';
import registration from '../service.json';
import {
  baseConfigSchema,
  DEFAULT_REDIS_PREFIX,
  envBoolean,
  envPort,
  localRedisUrl,
  requireInProduction,
} from '@ticketaka/common';
import { networkSchema } from './domain/blocklist.schemas';

const count = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);
const seconds = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 3600)
    .default(fallback);

/**
 * Every threshold is configurable; the defaults are sized so a fan who browses, signs in
 * and buys never meets one, while a script does within seconds (see security/README.md).
 */
export const securityConfigSchema = requireInProduction(
  baseConfigSchema.extend({
    PORT: envPort(registration.port),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .default(localRedisUrl()),
    /** Prefix of every Redis key; lets test files share one Redis in isolation. */
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-" only')
      .default(DEFAULT_REDIS_PREFIX),
    /**
     * HMAC key of ALTCHA challenges, shared by every replica (a challenge issued by one is
     * redeemed at another). Required in production; outside it, this installation's own key,
     * made on first use in JWT_KEYS_DIR (`altcha-hmac-key`), so local replicas share it too.
     */
    ALTCHA_HMAC_KEY: z.string().min(32, 'at least 32 characters').optional(),
    /** Proof-of-work difficulty: the solver tries up to this many numbers (about 0.1–0.5 s in a browser). */
    ALTCHA_MAX_NUMBER: count(50_000),
    ALTCHA_EXPIRES_SECONDS: seconds(300),

    // Requests per IP and per window, per policy.
    RATE_BROWSE_PER_IP: count(600),
    RATE_BROWSE_WINDOW_SECONDS: seconds(60),
    /** Page views (documents and the router's prefetches) per address and browse window. */
    RATE_PAGE_PER_IP: count(600),
    RATE_STREAM_PER_IP: count(30),
    RATE_SIGNIN_PER_IP: count(30),
    RATE_SIGNUP_PER_IP: count(10),
    RATE_PURCHASE_PER_IP: count(60),
    RATE_PURCHASE_PER_ACCOUNT: count(10),
    RATE_ADMIN_PER_IP: count(300),
    RATE_WINDOW_SECONDS: seconds(60),
    /** Inhuman velocity: more than this many checked requests in one second from one IP. */
    VELOCITY_PER_SECOND: count(25),

    // Sign-in failures (OWASP: per account and per address, lock the pair, not the owner).
    SIGNIN_FAILURES_PER_ACCOUNT_AND_IP: count(5),
    SIGNIN_FAILURES_PER_IP: count(20),
    SIGNIN_FAILURES_PER_ACCOUNT_BEFORE_CHALLENGE: count(10),
    SIGNIN_FAILURE_WINDOW_SECONDS: seconds(15 * 60),
    SIGNIN_LOCK_BASE_SECONDS: seconds(60),
    SIGNIN_LOCK_MAX_SECONDS: seconds(3600),

    // Botnets: account creation per address, per /24 (IPv4) or /64 (IPv6), per fingerprint.
    SIGNUPS_PER_IP: count(3),
    SIGNUPS_PER_NETWORK: count(20),
    // Header fingerprints are shared by every fan on the same browser build and language, so
    // this only catches a bot farm that sends one unusual set of headers at scale.
    SIGNUPS_PER_FINGERPRINT: count(2000),
    SIGNUP_WINDOW_SECONDS: seconds(3600),

    // Anti-hoarding (OWASP OAT-021 / OAT-005).
    MAX_UNPAID_ORDERS_PER_ACCOUNT: count(2),
    MAX_LIVE_RESALE_LOCKS_PER_ACCOUNT: count(1),
    ORDER_COOLDOWN_SECONDS: seconds(60),
    ORDERS_PER_NETWORK: count(20),

    /** Every order needs a proof-of-work while the on-sale is hot (comma-separated match numbers, or "all"). */
    HOT_MATCHES: z
      .string()
      .regex(/^(all|\d+(,\d+)*)?$/, 'comma-separated match numbers, or "all"')
      .default(''),

    /** Automatic temporary bans after this many refusals from one IP within a minute. */
    AUTO_BAN_AFTER_REFUSALS: count(300),
    AUTO_BAN_SECONDS: seconds(15 * 60),
    /** Refused requests of one kind from one IP publish at most one event per this many ms. */
    EVENT_SAMPLE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    /** Every replica also reloads the blocklist this often, in case a broadcast was missed. */
    BLOCKLIST_REFRESH_SECONDS: seconds(30),
    /**
     * Load-test allowance: comma-separated addresses / CIDRs (as the gateway sees the client)
     * for which the per-address and per-network rules are skipped; everything else is still
     * checked (domain/load-test-allowance.ts). Empty by default; only configuration sets it.
     */
    SECURITY_LOAD_TEST_SOURCES: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(networkSchema).max(32)),
    /** Known bot user agents are refused outright (false: only challenged). */
    BLOCK_KNOWN_BOTS: envBoolean(true),
  }),
  ['ALTCHA_HMAC_KEY', 'JWT_PUBLIC_KEY'],
);

export type SecurityConfig = z.infer<typeof securityConfigSchema>;
