import { z } from 'zod';
import { baseConfigSchema, envBoolean, envPort, requireInProduction } from '@ticketaka/common';
import registration from '../service.json';

export const ordersConfigSchema = requireInProduction(
  baseConfigSchema.extend({
    PORT: envPort(registration.port),
    /** How long a hold stays reserved for the fan while they pay (15 minutes; seconds in tests). */
    ORDER_LOCK_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 3600)
      .default(900),
    /** Across a fan's live and complete orders for one match. */
    MAX_TICKETS_PER_FAN_PER_MATCH: z.coerce.number().int().min(1).max(10).default(4),
    /** How often the sweeper looks for overdue unpaid orders; bounds how late a lost Bull job ends a lock. */
    ORDER_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
    /**
     * An order still `created` this long after insertion lost its hold answer (the service died
     * mid-request); the sweeper cancels it so tickets releases whatever it may hold. Far above
     * the hold request timeout, so a hold that is merely slow is never cancelled under it.
     */
    ORDER_STALE_CREATED_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    HOLD_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5000),
    /**
     * Partner sync (docs/partner-sync.md): a hold is payable only once the partner log has
     * confirmed it, so a new order stays `created` until tickets announces the decision.
     */
    PARTNER_SYNC: envBoolean(false),
  }),
  ['JWT_PUBLIC_KEY'],
).superRefine((value, ctx) => {
  if (value.ORDER_STALE_CREATED_SECONDS * 1000 <= value.HOLD_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['ORDER_STALE_CREATED_SECONDS'],
      message:
        'must be longer than HOLD_REQUEST_TIMEOUT_MS, or a slow hold could be cancelled while it is being placed',
    });
  }
});

export type OrdersConfig = z.infer<typeof ordersConfigSchema>;
