import Stripe from 'stripe';
import {
  INTENT_METADATA,
  ProviderUnavailableError,
  type ConfirmOutcome,
  type ConfirmRequest,
  type EnsureIntentRequest,
  type PaymentProvider,
  type ProviderIntent,
  type RefundRequest,
  withinDeadline,
} from '../domain/payment-provider';

export interface StripeProviderOptions {
  secretKey: string;
  webhookSecret: string;
  /** Another API origin (stripe-mock in tests); api.stripe.com over HTTPS otherwise. */
  apiBase?: string;
}

const intentOf = (intent: Stripe.PaymentIntent): ProviderIntent => ({
  id: intent.id,
  status: intent.status,
  ...(intent.client_secret ? { clientSecret: intent.client_secret } : {}),
});

/**
 * One HTTP call's share of what is left before the deadline: a retry only when there is time
 * for two tries, each try at most the time left (split between the tries). withinDeadline
 * still abandons the call at the deadline, whatever the library's own back-off adds.
 */
function options(deadline: number): Stripe.RequestOptions {
  const left = Math.max(1, deadline - Date.now());
  const retries = left >= 4_000 ? 1 : 0;
  return { timeout: Math.floor(left / (retries + 1)), maxNetworkRetries: retries };
}

/**
 * Stripe PaymentIntents: one per order (idempotency key from the order), confirmed with a
 * payment method that Stripe.js created in the browser, so card numbers never reach us.
 */
export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly acceptsMethod = 'payment_method' as const;
  readonly mode: string;
  readonly webhookSecret: string;
  readonly stripe: Stripe;

  constructor(options: StripeProviderOptions) {
    this.webhookSecret = options.webhookSecret;
    this.mode = options.secretKey.startsWith('sk_live_') ? 'LIVE' : 'TEST MODE (stripe)';
    const base = options.apiBase ? new URL(options.apiBase) : undefined;
    this.stripe = new Stripe(options.secretKey, {
      // Defaults only: every call fits its timeout and retries to the request's one deadline
      // (see `options`).
      maxNetworkRetries: 1,
      timeout: 8_000,
      telemetry: false,
      appInfo: { name: 'ticketaka-payments' },
      ...(base && {
        host: base.hostname,
        port: base.port || (base.protocol === 'https:' ? 443 : 80),
        protocol: base.protocol === 'https:' ? 'https' : 'http',
      }),
    });
  }

  async ensureIntent(request: EnsureIntentRequest): Promise<ProviderIntent> {
    return this.call(request.deadline, async () => {
      const created = await this.stripe.paymentIntents.create(
        {
          amount: request.amountCents,
          currency: request.currency.toLowerCase(),
          description: `Ticketaka order ${request.orderId}`,
          metadata: {
            [INTENT_METADATA.orderId]: request.orderId,
            [INTENT_METADATA.paymentId]: request.paymentId,
            ticketaka_user_id: request.userId,
          },
          // Cards only, confirmed server-side: no redirecting payment methods.
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        },
        { idempotencyKey: request.idempotencyKey, ...options(request.deadline) },
      );
      // A replayed create answers with the intent as it was first created; its status now
      // (e.g. already succeeded before a crash) is what decides whether to confirm.
      return intentOf(
        await this.stripe.paymentIntents.retrieve(created.id, {}, options(request.deadline)),
      );
    });
  }

  async confirm(request: ConfirmRequest): Promise<ConfirmOutcome> {
    if (request.method.kind !== 'payment_method')
      throw new Error('Stripe takes a payment method id, never card details');
    const paymentMethod = request.method.paymentMethodId;
    try {
      const intent = await withinDeadline(request.deadline, () =>
        this.stripe.paymentIntents.confirm(
          request.intentId,
          { payment_method: paymentMethod },
          { idempotencyKey: request.idempotencyKey, ...options(request.deadline) },
        ),
      );
      return this.outcomeOf(intent);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        return {
          outcome: 'declined',
          intentId: request.intentId,
          code: error.decline_code ?? error.code ?? 'card_declined',
          message: error.message,
        };
      }
      if (
        error instanceof Stripe.errors.StripeInvalidRequestError &&
        error.param === 'payment_method'
      ) {
        return {
          outcome: 'declined',
          intentId: request.intentId,
          code: error.code ?? 'invalid_payment_method',
          message: error.message,
        };
      }
      if (
        error instanceof Stripe.errors.StripeInvalidRequestError &&
        error.code === 'payment_intent_unexpected_state'
      ) {
        // Someone confirmed it first (a concurrent attempt whose process died): ask where it stands.
        const intent = await this.call(request.deadline, () =>
          this.stripe.paymentIntents.retrieve(request.intentId, {}, options(request.deadline)),
        );
        return this.outcomeOf(intent);
      }
      throw error instanceof ProviderUnavailableError ? error : this.unavailable(error);
    }
  }

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    return this.call(request.deadline, async () => {
      const refund = await this.stripe.refunds.create(
        {
          payment_intent: request.intentId,
          reason: 'requested_by_customer',
          metadata: {
            [INTENT_METADATA.orderId]: request.orderId,
            [INTENT_METADATA.paymentId]: request.paymentId,
          },
        },
        { idempotencyKey: request.idempotencyKey, ...options(request.deadline) },
      );
      return { refundId: refund.id };
    });
  }

  async close(): Promise<void> {}

  private outcomeOf(intent: Stripe.PaymentIntent): ConfirmOutcome {
    switch (intent.status) {
      case 'requires_action':
        return {
          outcome: 'declined',
          intentId: intent.id,
          code: 'authentication_required',
          message:
            'This card needs the bank to confirm the payment, which is not supported yet; please use another card.',
        };
      case 'canceled':
        return {
          outcome: 'declined',
          intentId: intent.id,
          code: 'payment_canceled',
          message: 'The payment was cancelled; please try again.',
        };
      case 'requires_payment_method':
        // Stripe answers a declined card with an error (caught above); a card error on the
        // intent itself is the same decline. Anything else is not an outcome yet.
        if (intent.last_payment_error?.type === 'card_error') {
          const error = intent.last_payment_error;
          return {
            outcome: 'declined',
            intentId: intent.id,
            code: error.decline_code ?? error.code ?? 'card_declined',
            message: error.message ?? 'The card was declined.',
          };
        }
        return { outcome: 'accepted', intent: intentOf(intent) };
      default:
        return { outcome: 'accepted', intent: intentOf(intent) };
    }
  }

  private async call<T>(deadline: number, work: () => Promise<T>): Promise<T> {
    try {
      return await withinDeadline(deadline, work);
    } catch (error) {
      throw error instanceof ProviderUnavailableError ? error : this.unavailable(error);
    }
  }

  private unavailable(error: unknown): ProviderUnavailableError {
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderUnavailableError(`Stripe: ${message}`, { cause: error });
  }
}
