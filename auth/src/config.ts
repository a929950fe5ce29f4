import { z } from 'zod';
import { baseConfigSchema, envBoolean, envPort, requireInProduction } from '@ticketaka/common';
import registration from '../service.json';

export const authConfigSchema = requireInProduction(
  baseConfigSchema.extend({
    PORT: envPort(registration.port),
    /** Only auth holds the signing key (PEM, PKCS#8, P-256). */
    JWT_PRIVATE_KEY: z.string().optional(),
    /** Access tokens are short-lived; the refresh token renews them. */
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(600),
    /** A session lasts this long from sign-in (not extended by refreshing). */
    REFRESH_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(300)
      .max(90 * 24 * 3600)
      .default(14 * 24 * 3600),
    /**
     * The refresh token just replaced still renews the access token for this long (no new
     * refresh token), so two tabs refreshing at once do not look like a stolen token.
     */
    REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(10),
    /** Secure cookies need HTTPS; local runs serve plain HTTP on localhost. */
    COOKIE_SECURE: envBoolean(false),
    /** Argon2 runs at most this many at once; more wait in a bounded queue, then get 503. */
    AUTH_ARGON2_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    AUTH_ARGON2_QUEUE: z.coerce.number().int().min(0).max(10_000).default(64),
    AUTH_ARGON2_MAX_WAIT_MS: z.coerce.number().int().min(10).max(30_000).default(2000),
    /** Waiting Argon2 work one client address may have; more from it gets 429 (fairness). */
    AUTH_ARGON2_QUEUE_PER_ADDRESS: z.coerce.number().int().min(1).max(10_000).default(8),
    /** What sign-in does when the security service's guard does not answer in time. */
    SIGN_IN_GUARD_FAIL: z.enum(['open', 'closed']).default('open'),
    SIGN_IN_GUARD_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(500),
  }),
  ['JWT_PRIVATE_KEY', 'JWT_PUBLIC_KEY', 'COOKIE_SECURE'],
);

export type AuthConfig = z.infer<typeof authConfigSchema>;
