import { z } from 'zod';
import { baseConfigSchema, envBoolean, envPort, requireInProduction } from '@ticketaka/common';
import registration from '../service.json';

export const authConfigSchema = requireInProduction(
  baseConfigSchema.extend({
    PORT: envPort(registration.port),
    /** Only auth holds the signing key (PEM, PKCS#8, P-256). */
    JWT_PRIVATE_KEY: z.string().optional(),
    JWT_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(8 * 3600),
    /** Secure cookies need HTTPS; local runs serve plain HTTP on localhost. */
    COOKIE_SECURE: envBoolean(false),
  }),
  ['JWT_PRIVATE_KEY', 'JWT_PUBLIC_KEY', 'COOKIE_SECURE'],
);

export type AuthConfig = z.infer<typeof authConfigSchema>;
