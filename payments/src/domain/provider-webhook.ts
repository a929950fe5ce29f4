import Stripe from 'stripe';
import { z } from 'zod';
import { BadRequestError } from '@ticketaka/common';

/** The header Stripe (and the sandbox, which copies its scheme) signs webhooks in. */
export const SIGNATURE_HEADER = 'stripe-signature';

const intentObject = z.object({
  id: z.string(),
  object: z.literal('payment_intent'),
  amount: z.number().int(),
  amount_received: z.number().int().nullish(),
  currency: z.string(),
  status: z.string(),
  created: z.number().int().optional(),
  metadata: z.record(z.string(), z.string()).nullish(),
  last_payment_error: z
    .object({
      code: z.string().nullish(),
      decline_code: z.string().nullish(),
      message: z.string().nullish(),
    })
    .nullish(),
});

export interface ProviderIntentEvent {
  id: string;
  type: 'payment_intent.succeeded' | 'payment_intent.payment_failed' | 'payment_intent.canceled';
  /** Unix seconds, when the provider created the event. */
  created: number;
  intent: {
    id: string;
    amountCents: number;
    amountReceivedCents: number | null;
    currency: string;
    metadata: Record<string, string>;
    failure: { code: string; message: string } | null;
  };
}

export type ProviderEvent =
  ProviderIntentEvent | { id: string; type: 'other'; providerType: string; created: number };

const intentEventTypes = new Set([
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
]);

/**
 * Verifies the signature (HMAC-SHA256 over `timestamp.body` with the webhook secret, and a
 * timestamp within the tolerance) on the exact bytes received, then reads the event.
 * Anything that fails is a 400 and changes nothing.
 */
export function verifyProviderWebhook(
  rawBody: Buffer,
  signature: string | undefined,
  secret: string,
  toleranceSeconds: number,
): ProviderEvent {
  let event: Stripe.Event;
  try {
    if (!signature) throw new Error('no signature header');
    event = Stripe.webhooks.constructEvent(rawBody, signature, secret, toleranceSeconds);
  } catch (error) {
    throw new BadRequestError(
      'The webhook signature is missing, wrong or too old',
      [{ message: (error as Error).message, field: SIGNATURE_HEADER }],
      'invalid_signature',
    );
  }
  if (!intentEventTypes.has(event.type))
    return { id: event.id, type: 'other', providerType: event.type, created: event.created };
  const parsed = intentObject.safeParse(event.data?.object);
  if (!parsed.success) {
    throw new BadRequestError(
      'The webhook does not carry a payment intent',
      undefined,
      'invalid_webhook',
    );
  }
  const intent = parsed.data;
  const error = intent.last_payment_error;
  return {
    id: event.id,
    type: event.type as ProviderIntentEvent['type'],
    created: event.created,
    intent: {
      id: intent.id,
      amountCents: intent.amount,
      amountReceivedCents: intent.amount_received ?? null,
      currency: intent.currency.toUpperCase(),
      metadata: intent.metadata ?? {},
      failure: error
        ? {
            code: error.decline_code ?? error.code ?? 'payment_failed',
            message: error.message ?? 'The payment failed',
          }
        : null,
    },
  };
}
