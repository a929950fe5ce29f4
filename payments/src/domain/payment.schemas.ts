import { z } from 'zod';

/** Test card details for the sandbox; never logged, never stored. */
const cardSchema = z.strictObject({
  number: z
    .string()
    .regex(/^[0-9][0-9 -]{10,24}[0-9]$/, 'must be 12 to 19 digits, spaces or dashes allowed'),
  expMonth: z.number().int().min(1).max(12),
  expYear: z.number().int().min(2000).max(2100),
  cvc: z.string().regex(/^[0-9]{3,4}$/, 'must be 3 or 4 digits'),
});

/** The amount is not accepted from the client: it comes from the order. */
export const payOrderSchema = z.strictObject({
  orderId: z.string().uuid(),
  /** Sandbox only. */
  card: cardSchema.optional(),
  /** Stripe only: a payment method created by Stripe.js (or a test one such as pm_card_visa). */
  paymentMethodId: z
    .string()
    .regex(/^pm_[A-Za-z0-9_]{1,200}$/, 'must be a Stripe payment method id (pm_…)')
    .optional(),
});
export type PayOrderInput = z.infer<typeof payOrderSchema>;

export const orderIdParamsSchema = z.strictObject({ orderId: z.string().uuid() });
