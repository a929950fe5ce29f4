import { z } from 'zod';
import { baseConfigSchema, envBoolean, envPort, requireInProduction } from '@ticketaka/common';
import registration from '../service.json';

const schema = requireInProduction(
  baseConfigSchema.extend({
    PORT: envPort(registration.port),
    /** Defaults to stripe when STRIPE_SECRET_KEY is set, to the labelled sandbox otherwise. */
    PAYMENT_PROVIDER: z.enum(['stripe', 'sandbox']).optional(),
    STRIPE_SECRET_KEY: z.string().min(1).optional(),
    STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
    /** Given to the browser's Stripe.js by GET /api/payments/config (public by design). */
    STRIPE_PUBLISHABLE_KEY: z
      .string()
      .regex(/^pk_(test|live)_[A-Za-z0-9]+$/, 'must be a Stripe publishable key (pk_…)')
      .optional(),
    /** Another Stripe API origin, e.g. stripe-mock's http://127.0.0.1:22111. */
    STRIPE_API_BASE: z.string().url().optional(),
    /**
     * Signs the sandbox's webhooks. Unset outside production: made at random once per
     * installation in JWT_KEYS_DIR (sandbox-webhook-secret), never a constant anyone knows.
     */
    SANDBOX_WEBHOOK_SECRET: z.string().min(16).optional(),
    /** Where the sandbox delivers its webhooks; this service's own webhook route when unset. */
    SANDBOX_WEBHOOK_URL: z.string().url().optional(),
    /** Lets tests make the sandbox's webhooks arrive late, as Stripe's sometimes do. */
    SANDBOX_WEBHOOK_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
    /** The sandbox never takes money; running it in production must be a deliberate choice. */
    ALLOW_SANDBOX_IN_PRODUCTION: envBoolean(false),
    /** Signed webhooks older than this are refused (replay protection); Stripe's default. */
    WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
    /** How long a payment request waits for an order it does not know yet (events lag by ms). */
    ORDER_PROJECTION_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(3000),
    /**
     * An attempt still "processing" after this long is taken to have died with its process;
     * the fan may then try again (the provider's per-order intent keeps that to one charge).
     */
    PAYMENT_ATTEMPT_LEASE_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    /**
     * One deadline for everything a payment request asks the provider (create or find the
     * intent, confirm it, read it back), retries included: well inside the gateway's 60 s read
     * timeout, so the fan gets a 503 in words and never a 504, and shorter than the attempt's
     * lease, so no second attempt starts while the first may still be talking to the provider.
     */
    PAYMENT_CALL_DEADLINE_MS: z.coerce.number().int().min(100).max(55_000).default(20_000),
    REFUND_RETRY_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(5000),
  }),
  ['JWT_PUBLIC_KEY'],
)
  .superRefine((value, ctx) => {
    if (value.PAYMENT_CALL_DEADLINE_MS >= value.PAYMENT_ATTEMPT_LEASE_MS)
      ctx.addIssue({
        code: 'custom',
        path: ['PAYMENT_CALL_DEADLINE_MS'],
        message: `must be shorter than PAYMENT_ATTEMPT_LEASE_MS (${value.PAYMENT_ATTEMPT_LEASE_MS})`,
      });
    const provider = value.PAYMENT_PROVIDER ?? (value.STRIPE_SECRET_KEY ? 'stripe' : 'sandbox');
    if (provider === 'stripe') {
      for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] as const) {
        if (!value[name])
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'is required when PAYMENT_PROVIDER is stripe',
          });
      }
    }
    if (provider === 'sandbox' && value.NODE_ENV === 'production') {
      if (!value.ALLOW_SANDBOX_IN_PRODUCTION) {
        ctx.addIssue({
          code: 'custom',
          path: ['PAYMENT_PROVIDER'],
          message:
            'the sandbox takes no real money: set STRIPE_SECRET_KEY, or ALLOW_SANDBOX_IN_PRODUCTION=true on purpose',
        });
      } else if (!value.SANDBOX_WEBHOOK_SECRET) {
        // Every replica must sign and verify with the same secret: a per-pod file would not do.
        ctx.addIssue({
          code: 'custom',
          path: ['SANDBOX_WEBHOOK_SECRET'],
          message: 'is required when the sandbox runs in production',
        });
      }
    }
  })
  .transform((value) => ({
    ...value,
    PAYMENT_PROVIDER:
      value.PAYMENT_PROVIDER ??
      (value.STRIPE_SECRET_KEY ? ('stripe' as const) : ('sandbox' as const)),
  }));

export const paymentsConfigSchema = schema;
export type PaymentsConfig = z.infer<typeof paymentsConfigSchema>;
