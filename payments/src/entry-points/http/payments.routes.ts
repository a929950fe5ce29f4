import { Router, type RequestHandler } from 'express';
import { handle, NotFoundError, requireAuth } from '@ticketaka/common';
import { findPaymentByOrderId } from '../../data-access/payment.repository';
import { payOrder } from '../../domain/pay-order.use-case';
import { orderIdParamsSchema, payOrderSchema } from '../../domain/payment.schemas';
import { paymentView } from '../../domain/payment-view';
import type { PaymentsContext } from '../../domain/payments-context';

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
