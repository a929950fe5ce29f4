'use client';
import { paymentIntentResponseSchema } from '@ticketaka/contracts';
import type { Stripe, StripeCardElement } from '@stripe/stripe-js';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { callApi } from '../lib/api-client';

/**
 * Stripe mode, as Stripe documents it: Stripe.js (loaded from js.stripe.com) shows its card
 * element in an iframe, so card details never touch Ticketaka; payments makes the order's
 * PaymentIntent and hands over its client secret; `confirmCardPayment` confirms it in the
 * browser, and the signed webhook tells payments how it ended (the page then polls).
 */
export function StripeCardForm({
  publishableKey,
  orderId,
  mode,
  amount,
  busy,
  onStarted,
  onDeclined,
  onProblem,
}: {
  publishableKey: string;
  orderId: string;
  mode: string;
  amount: string;
  busy: boolean;
  onStarted: () => void;
  onDeclined: (message: string) => void;
  onProblem: (message: string) => void;
}) {
  const mount = useRef<HTMLDivElement>(null);
  const [stripe, setStripe] = useState<Stripe | null>(null);
  const card = useRef<StripeCardElement | null>(null);
  const [paying, setPaying] = useState(false);

  useEffect(() => {
    let cancelled = false;
    void import('@stripe/stripe-js').then(async ({ loadStripe }) => {
      const loaded = await loadStripe(publishableKey);
      if (cancelled || !loaded || !mount.current) return;
      card.current = loaded.elements().create('card');
      card.current.mount(mount.current);
      setStripe(loaded);
    });
    return () => {
      cancelled = true;
      card.current?.destroy();
    };
  }, [publishableKey]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!stripe || !card.current) return;
    setPaying(true);
    const intent = await callApi('/api/payments/intent', {
      method: 'POST',
      body: { orderId },
      schema: paymentIntentResponseSchema,
    });
    if (!intent.ok) {
      setPaying(false);
      return onProblem(intent.problem.message);
    }
    const { error } = await stripe.confirmCardPayment(intent.data.clientSecret, {
      payment_method: { card: card.current },
    });
    setPaying(false);
    if (error) onDeclined(error.message ?? 'Your card was declined.');
    else onStarted();
  }

  return (
    <form onSubmit={submit} className="narrow" aria-label="Card payment">
      <p className="notice info">
        Card payments are taken by Stripe (<span className="test-mode">{mode}</span>).
      </p>
      <div className="field">
        <label id="stripe-card-label">Card</label>
        <div ref={mount} aria-labelledby="stripe-card-label" className="stripe-card" />
        {!stripe && <p className="hint">Loading Stripe’s card form…</p>}
      </div>
      <button type="submit" disabled={!stripe || busy || paying}>
        {paying ? 'Paying…' : `Pay ${amount}`}
      </button>
    </form>
  );
}
