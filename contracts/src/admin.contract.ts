import { z } from 'zod';
import { availabilityState, category, isoDateTime, matchNumber } from './primitives';
import { orderStatusSchema } from './orders.contract';
import { paymentStatusSchema } from './payments.contract';

/** GET /api/tickets/admin/inventory (admin): every category's seats, here and on partners. */
export const adminInventoryRowSchema = z.object({
  matchNumber,
  homeTeam: z.string(),
  awayTeam: z.string(),
  kickOff: isoDateTime,
  category,
  capacity: z.number().int(),
  sold: z.number().int(),
  held: z.number().int(),
  partnerSold: z.number().int(),
  partnerHeld: z.number().int(),
  /** Neither sold nor held anywhere. */
  pending: z.number().int(),
  state: availabilityState,
});
export type AdminInventoryRow = z.infer<typeof adminInventoryRowSchema>;
export const adminInventoryResponseSchema = z.object({
  categories: z.array(adminInventoryRowSchema),
});
export type AdminInventory = z.infer<typeof adminInventoryResponseSchema>;

const timeBucket = z.object({ bucket: isoDateTime, count: z.number().int() });

/** GET /api/orders/admin/stats?hours= (admin): orders by status, now and per hour. */
export const adminOrderStatsResponseSchema = z.object({
  byStatus: z.array(z.object({ status: orderStatusSchema, count: z.number().int() })),
  /** Orders created per hour in the window, split by the status they have now. */
  timeline: z.array(timeBucket.extend({ status: orderStatusSchema })),
  hours: z.number().int(),
});
export type AdminOrderStats = z.infer<typeof adminOrderStatsResponseSchema>;

/** GET /api/payments/admin/stats?hours= (admin): payments and refunds. */
export const adminPaymentStatsResponseSchema = z.object({
  byStatus: z.array(
    z.object({
      status: paymentStatusSchema,
      count: z.number().int(),
      amountCents: z.number().int(),
    }),
  ),
  timeline: z.array(timeBucket.extend({ kind: z.enum(['succeeded', 'failed', 'refunded']) })),
  hours: z.number().int(),
});
export type AdminPaymentStats = z.infer<typeof adminPaymentStatsResponseSchema>;

/** GET /api/orders/admin/dead-letters (admin): messages consumers gave up on. */
export const adminDeadLettersResponseSchema = z.object({
  total: z.number().int(),
  byConsumer: z.array(z.object({ consumer: z.string(), count: z.number().int() })),
});
export type AdminDeadLetters = z.infer<typeof adminDeadLettersResponseSchema>;
