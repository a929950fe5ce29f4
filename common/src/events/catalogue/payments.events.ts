import { z } from 'zod';
import { defineEvent } from '../define-event';
import { amountCents, currency, uuid, version } from './shared-schemas';

const paymentFields = {
  id: uuid,
  orderId: uuid,
  userId: uuid,
  amountCents,
  currency,
  provider: z.enum(['stripe', 'sandbox']),
  providerPaymentId: z.string(),
  version,
};
export const paymentSucceeded = defineEvent('payments.payment.succeeded', z.object(paymentFields));
export const paymentFailed = defineEvent(
  'payments.payment.failed',
  z.object({ ...paymentFields, reason: z.string() }),
);
export const paymentRefunded = defineEvent(
  'payments.payment.refunded',
  z.object({ ...paymentFields, reason: z.string() }),
);
