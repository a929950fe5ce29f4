import { z } from 'zod';
import { baseConfigSchema, envPort, localRedisUrl, requireInProduction } from '@ticketaka/common';
import registration from '../service.json';

export const expirationConfigSchema = requireInProduction(
  baseConfigSchema.extend({
    PORT: envPort(registration.port),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .default(localRedisUrl()),
    /** Prefix of every Bull key; lets test files share one Redis in isolation. */
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-" only')
      .default('ticketaka'),
    /** Expiry jobs handled at once by one replica (each is one small database transaction). */
    EXPIRATION_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  }),
  ['JWT_PUBLIC_KEY'],
);

export type ExpirationConfig = z.infer<typeof expirationConfigSchema>;
