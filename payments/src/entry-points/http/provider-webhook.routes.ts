import express, { Router } from 'express';
import { BadRequestError } from '@ticketaka/common';
import { applyProviderWebhook } from '../../domain/apply-provider-webhook.use-case';
import type { PaymentsContext } from '../../domain/payments-context';
import { SIGNATURE_HEADER } from '../../domain/provider-webhook';
import { modeHeader } from './payments.routes';

export const WEBHOOK_PATH = '/api/payments/webhooks/stripe';

/**
 * The provider's webhook. Mounted before the shared JSON parser: the signature covers the
 * exact bytes sent, so the body is read raw, whatever its content type says.
 * Not authenticated by a user token; the signature is the authentication.
 */
export function providerWebhookRouter(ctx: PaymentsContext): Router {
  const router = Router();
  router.post(
    WEBHOOK_PATH,
    modeHeader(ctx),
    express.raw({ type: () => true, limit: '512kb' }),
    async (req, res, next) => {
      try {
        if (!Buffer.isBuffer(req.body) || req.body.length === 0)
          throw new BadRequestError('The webhook body is empty', undefined, 'invalid_webhook');
        const signature = req.headers[SIGNATURE_HEADER];
        const outcome = await applyProviderWebhook(
          ctx,
          req.body,
          typeof signature === 'string' ? signature : undefined,
        );
        res.json({ received: true, outcome });
      } catch (error) {
        next(error);
      }
    },
  );
  return router;
}
