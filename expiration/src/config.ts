import { z } from 'zod';
import {
  baseConfigSchema,
  envPort,
  localPorts,
  requireInProduction,
} from '@ticketaka/common';

export const expirationConfigSchema = requireInProduction(
  baseConfigSchema.extend({
    PORT: envPort(localPorts.EXPIRATION_PORT),
    /** Expiry jobs handled at once by one replica (each is one small database transaction). */
    EXPIRATION_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  }),
  ['JWT_PUBLIC_KEY'],
);

export type ExpirationConfig = z.infer<typeof expirationConfigSchema>;
