import { z } from 'zod';
import { baseConfigSchema, envBoolean, envPort, requireInProduction } from '@ticketaka/common';
import registration from '../service.json';

export const ticketsConfigSchema = requireInProduction(
  baseConfigSchema.extend({
    PORT: envPort(registration.port),
    /** The organiser's rule: a resale price may not exceed face value × this ratio. */
    RESALE_PRICE_CAP_RATIO: z.coerce.number().positive().max(10).default(1),
    /** Loads the bundled master list at start-up (idempotent; safe on every replica). */
    LOAD_MASTER_LIST_ON_START: envBoolean(true),
    /** The master list has no currency; its prices are in this one. */
    CATALOGUE_CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
      .default('USD'),
    /** Comment lines on idle availability streams keep proxies from closing them. */
    SSE_HEARTBEAT_MS: z.coerce.number().int().min(1000).max(120_000).default(15_000),
    /** Ed25519 key (PEM) that signs ticket codes; outside production a local one is made. */
    TICKET_CODE_PRIVATE_KEY: z.string().optional(),
    /** Public keys (PEM blocks) of rotated-out signing keys whose codes are still accepted. */
    TICKET_CODE_PREVIOUS_PUBLIC_KEYS: z.string().optional(),
    /** How long a code shown in the app lives before the next one replaces it. */
    TICKET_CODE_STEP_SECONDS: z.coerce.number().int().min(5).max(300).default(30),
  }),
  ['JWT_PUBLIC_KEY', 'TICKET_CODE_PRIVATE_KEY'],
);

export type TicketsConfig = z.infer<typeof ticketsConfigSchema>;
