import { z } from 'zod';
import { cents, currency, isoDateTime, uuid } from './primitives';

/** Test card details for the sandbox provider; never logged, never stored. */
export const sandboxCardSchema = z.strictObject({
  number: z
    .string()
    .regex(/^[0-9][0-9 -]{10,24}[0-9]$/, 'must be 12 to 19 digits, spaces or dashes allowed'),
  expMonth: z.number().int().min(1).max(12),
  expYear: z.number().int().min(2000).max(2100),
  cvc: z.string().regex(/^[0-9]{3,4}$/, 'must be 3 or 4 digits'),
});
export type SandboxCard = z.infer<typeof sandboxCardSchema>;

/** POST /api/payments. The amount is never accepted from the client: it comes from the order. */
export const payOrderSchema = z.strictObject({
  orderId: z.string().uuid(),
  /** Sandbox only. */
  card: sandboxCardSchema.optional(),
  /** Stripe only: a payment method created by Stripe.js (or a test one such as pm_card_visa). */
  paymentMethodId: z
    .string()
    .regex(/^pm_[A-Za-z0-9_]{1,200}$/, 'must be a Stripe payment method id (pm_…)')
    .optional(),
});
export type PayOrderInput = z.infer<typeof payOrderSchema>;

export const paymentStatusSchema = z.enum([
  'processing',
  'failed',
  'succeeded',
  'refund_pending',
  'refunded',
]);
export type PaymentStatus = z.infer<typeof paymentStatusSchema>;

/** What the fan sees of a payment: its state, and why it failed or was refunded. */
export const paymentViewSchema = z.object({
  id: uuid,
  orderId: uuid,
  status: paymentStatusSchema,
  amountCents: cents,
  currency,
  provider: z.string(),
  attempts: z.number().int(),
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  refund: z
    .object({
      status: z.enum(['pending', 'refunded']),
      code: z.string().nullable(),
      reason: z.string().nullable(),
      requestedAt: isoDateTime.nullable(),
      refundedAt: isoDateTime.nullable(),
    })
    .nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type PaymentView = z.infer<typeof paymentViewSchema>;

/** `TEST MODE (sandbox)`, `TEST MODE (stripe)` or `LIVE`. */
export const paymentModeSchema = z.string();

/** POST /api/payments (202/200) and GET /api/payments/:orderId */
export const paymentResponseSchema = z.object({
  mode: paymentModeSchema,
  started: z.boolean().optional(),
  payment: paymentViewSchema,
});
export type PaymentResponse = z.infer<typeof paymentResponseSchema>;

/**
 * GET /api/payments/config: which provider takes cards, so the checkout shows the sandbox
 * form or Stripe's own card element (with the publishable key, never a secret).
 */
export const paymentConfigResponseSchema = z.object({
  mode: paymentModeSchema,
  provider: z.enum(['sandbox', 'stripe']),
  stripePublishableKey: z.string().nullable(),
});
export type PaymentConfig = z.infer<typeof paymentConfigResponseSchema>;

/**
 * POST /api/payments/intent (Stripe only): the order's PaymentIntent client secret, which
 * Stripe.js uses in the browser to confirm the card, as Stripe documents.
 */
export const paymentIntentResponseSchema = z.object({
  mode: paymentModeSchema,
  clientSecret: z.string(),
  payment: paymentViewSchema,
});
export const browserPaymentSchema = z.strictObject({ orderId: z.string().uuid() });
