import { z } from 'zod';
import { baseConfigSchema, envPort, requireInProduction } from '@ticketaka/common';
import registration from '../service.json';

export const expirationConfigSchema = requireInProduction(
  baseConfigSchema.extend({
    PORT: envPort(registration.port),
    /** Expiry jobs handled at once by one replica (each is one small database transaction). */
    EXPIRATION_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  }),
  ['JWT_PUBLIC_KEY'],
);

export type ExpirationConfig = z.infer<typeof expirationConfigSchema>;
