import { Router, type RequestHandler } from 'express';
import { handle, NotFoundError, requireAuth, requireRole } from '@ticketaka/common';
import { browserPaymentSchema, type PaymentConfig } from '@ticketaka/contracts';
import { z } from 'zod';
import { findPaymentByOrderId } from '../../data-access/payment.repository';
import { payOrder, prepareBrowserPayment } from '../../domain/pay-order.use-case';
import { orderIdParamsSchema, payOrderSchema } from '../../domain/payment.schemas';
import { paymentView } from '../../domain/payment-view';
import { paymentStats } from '../../domain/read-payment-stats.use-case';

import type { PaymentsContext } from '../../domain/payments-context';

const statsQuerySchema = z.strictObject({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(48),
});

/** Every payments response says which provider handled it; the sandbox says TEST MODE. */
export const modeHeader =
  (ctx: PaymentsContext): RequestHandler =>
  (_req, res, next) => {
    res.setHeader('x-payment-mode', ctx.provider.mode);
    next();
  };

export function paymentsRouter(ctx: PaymentsContext): Router {
  const router = Router();
  const mode = ctx.provider.mode;
  router.use('/api/payments', modeHeader(ctx));

  /**
   * 202 when this request started a payment attempt: the provider took it and its signed
   * confirmation decides (GET shows how it ends). 200 with the payment as it stands when an
   * attempt was already running or done (a double click, a retry). 402 when declined.
   */
  router.post(
    '/api/payments',
    requireAuth,
    handle({ body: payOrderSchema }, async ({ body, user, res }) => {
      const { started, payment } = await payOrder(ctx, user!, body);
      res.status(started ? 202 : 200).json({ mode, started, payment: paymentView(payment) });
    }),
  );

  /** Stripe only: the order's PaymentIntent client secret for Stripe.js in the browser. */
  router.post(
    '/api/payments/intent',
    requireAuth,
    handle({ body: browserPaymentSchema }, async ({ body, user }) => {
      const { clientSecret, payment } = await prepareBrowserPayment(ctx, user!, body.orderId);
      return { mode, clientSecret, payment: paymentView(payment) };
    }),
  );

  /** Which card form the checkout shows; public, and never carries a secret. */
  router.get(
    '/api/payments/config',
    handle({}, (): PaymentConfig => ({
      mode,
      provider: ctx.provider.name,
      stripePublishableKey:
        ctx.provider.name === 'stripe' ? (ctx.runtime.config.STRIPE_PUBLISHABLE_KEY ?? null) : null,
    })),
  );

  router.get(
    '/api/payments/admin/stats',
    requireRole('admin'),
    handle({ query: statsQuerySchema }, ({ query }) => paymentStats(ctx.runtime.pool, query.hours)),
  );

  router.get(
    '/api/payments/:orderId',
    requireAuth,
    handle({ params: orderIdParamsSchema }, async ({ params, user }) => {
      const payment = await findPaymentByOrderId(ctx.runtime.pool, params.orderId);
      // Someone else's payment is answered like a missing one: ids cannot be probed.
      if (!payment || (payment.userId !== user!.id && user!.role !== 'admin'))
        throw new NotFoundError('No payment for this order yet', 'payment_not_found');
      return { mode, payment: paymentView(payment) };
    }),
  );

  return router;
}
