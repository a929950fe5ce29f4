/**
 * What payments needs from a card processor. Two implementations: Stripe, and a sandbox
 * that behaves like Stripe's test mode for local runs. Both announce outcomes through a
 * signed webhook in Stripe's event format, which one route verifies and applies, so
 * nothing downstream can tell them apart.
 *
 * One intent per order (created with an idempotency key derived from the order) is what
 * makes a second charge impossible: an intent succeeds at most once, however often it is
 * confirmed. Each confirmation carries its own key, derived from the order and attempt.
 */
export type ProviderName = 'stripe' | 'sandbox';

export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled'
  /** Statuses a newer provider API may add; treated as "not settled yet". */
  | (string & {});

export interface ProviderIntent {
  id: string;
  status: IntentStatus;
  /** Stripe only: what Stripe.js needs to confirm the intent in the fan's browser. */
  clientSecret?: string;
}

/** The sandbox takes test card details; Stripe takes a payment method made by Stripe.js. */
export type PaymentMethodInput =
  | { kind: 'card'; number: string; expMonth: number; expYear: number; cvc: string }
  | { kind: 'payment_method'; paymentMethodId: string };

export type ConfirmOutcome =
  /** The provider took the payment or is taking it; its webhook will say how it ended. */
  | { outcome: 'accepted'; intent: ProviderIntent }
  | { outcome: 'declined'; intentId: string; code: string; message: string };

/**
 * Every call to a provider carries the moment by which the whole payment request must have
 * its answer (epoch ms): retries and timeouts inside the call are fitted to what is left,
 * and a call still unanswered then is abandoned as unavailable. Abandoning is safe: the
 * intent and confirmation keys make a retry find what the abandoned call did, and the
 * provider's webhook reports a charge however the call ended.
 */
export interface ProviderCall {
  deadline: number;
}

export interface EnsureIntentRequest extends ProviderCall {
  idempotencyKey: string;
  orderId: string;
  paymentId: string;
  userId: string;
  amountCents: number;
  currency: string;
}

export interface ConfirmRequest extends ProviderCall {
  idempotencyKey: string;
  intentId: string;
  method: PaymentMethodInput;
}

export interface RefundRequest extends ProviderCall {
  idempotencyKey: string;
  intentId: string;
  orderId: string;
  paymentId: string;
  amountCents: number;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  /** Said in every response, so nobody mistakes a sandbox payment for a real one. */
  readonly mode: string;
  readonly acceptsMethod: PaymentMethodInput['kind'];
  /** The secret its webhooks are signed with (Stripe's scheme for both providers). */
  readonly webhookSecret: string;
  /** Creates the order's intent, or returns it as it is now when it already exists. */
  ensureIntent(request: EnsureIntentRequest): Promise<ProviderIntent>;
  confirm(request: ConfirmRequest): Promise<ConfirmOutcome>;
  refund(request: RefundRequest): Promise<{ refundId: string }>;
  close(): Promise<void>;
}

/** The provider could not be reached or failed; whether it charged is unknown. */
export class ProviderUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProviderUnavailableError';
  }
}

/** Runs a provider call, abandoned as unavailable if it has not answered by `deadline`. */
export async function withinDeadline<T>(deadline: number, work: () => Promise<T>): Promise<T> {
  const left = deadline - Date.now();
  if (left <= 0) throw new ProviderUnavailableError('the payment deadline passed before the call');
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ProviderUnavailableError(`no answer within the payment deadline (${left} ms left)`),
        ),
      left,
    );
  });
  try {
    return await Promise.race([work(), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Metadata keys on every intent: how a webhook finds its payment. */
export const INTENT_METADATA = {
  orderId: 'ticketaka_order_id',
  paymentId: 'ticketaka_payment_id',
} as const;

/** Derived from the order, so a retry, a double click or a restart reuses the same key. */
export const idempotencyKeys = {
  intent: (orderId: string, generation: number) =>
    `ticketaka-order-${orderId}-intent-${generation}`,
  confirm: (orderId: string, attempt: number) => `ticketaka-order-${orderId}-confirm-${attempt}`,
  refund: (orderId: string) => `ticketaka-order-${orderId}-refund`,
};
