'use client';
import {
  orderResponseSchema,
  paymentResponseSchema,
  type OrderView,
  type PaymentConfig,
  type PaymentView,
} from '@ticketaka/contracts';
import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { callApi } from '../lib/api-client';
import { money } from '../lib/format';
import { Countdown } from './countdown';
import { SandboxCardForm } from './sandbox-card-form';
import { StripeCardForm } from './stripe-card-form';

interface Props {
  initialOrder: OrderView;
  initialPayment: PaymentView | null;
  paymentConfig: PaymentConfig | null;
  heading: string;
  /** The server's clock when it rendered, so the countdown does not trust the fan's clock. */
  serverNow: number;
}

const POLL_MS = 1500;

/** What the fan sees of each way an order can end, in words. */
function cancelledText(reason: string | null): string {
  switch (reason) {
    case 'cancelled_by_fan':
      return 'You cancelled this order. The tickets went back on sale.';
    case 'cancelled_by_admin':
      return 'This order was cancelled by Ticketaka staff.';
    case 'sold_on_another_platform':
      return 'These tickets were sold on another official platform before your hold was confirmed. Nothing was charged.';
    case 'not_enough_tickets':
      return 'There were not enough tickets left for this order. Nothing was charged.';
    case 'listing_unavailable':
      return 'This resale ticket is no longer available. Nothing was charged.';
    case 'fan_limit_reached':
      return 'This order would take you over the ticket limit for this match.';
    default:
      return 'This order was cancelled. Nothing was charged.';
  }
}

export function Checkout({
  initialOrder,
  initialPayment,
  paymentConfig,
  heading,
  serverNow,
}: Props) {
  const [order, setOrder] = useState(initialOrder);
  const [payment, setPayment] = useState(initialPayment);
  const [paying, setPaying] = useState(false);
  const [declined, setDeclined] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [clockSkew] = useState(() => serverNow - Date.now());
  const [timedOut, setTimedOut] = useState(false);

  const refresh = useCallback(async () => {
    const [o, p] = await Promise.all([
      callApi(`/api/orders/${order.id}`, { schema: orderResponseSchema }),
      callApi(`/api/payments/${order.id}`, { schema: paymentResponseSchema }),
    ]);
    if (o.ok) setOrder(o.data.order);
    if (p.ok) setPayment(p.data.payment);
  }, [order.id]);

  const waiting =
    order.status === 'created' ||
    (order.status === 'awaiting_payment' && (paying || payment?.status === 'processing')) ||
    (order.status === 'awaiting_payment' && timedOut);
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [waiting, refresh]);

  useEffect(() => {
    if (order.status !== 'awaiting_payment') setPaying(false);
  }, [order.status]);
  useEffect(() => {
    if (payment?.status === 'failed' && payment.failure) {
      setPaying(false);
      setDeclined(payment.failure.message);
    }
  }, [payment]);

  async function pay(card: { number: string; expMonth: number; expYear: number; cvc: string }) {
    setPaying(true);
    setDeclined(null);
    setProblem(null);
    const result = await callApi('/api/payments', {
      method: 'POST',
      body: { orderId: order.id, card },
      schema: paymentResponseSchema,
      repeatable: true,
    });
    if (result.ok) {
      setPayment(result.data.payment);
      void refresh();
      return;
    }
    setPaying(false);
    if (result.problem.status === 402) setDeclined(result.problem.message);
    else setProblem(result.problem.message);
    void refresh();
  }

  async function cancel() {
    setProblem(null);
    const result = await callApi(`/api/orders/${order.id}`, {
      method: 'DELETE',
      schema: orderResponseSchema,
    });
    if (result.ok) setOrder(result.data.order);
    else setProblem(result.problem.message);
  }

  const amount = money(order.amountCents, order.currency);
  return (
    <div className="stack">
      <section className="card" aria-labelledby="held">
        <h2 id="held">What you are buying</h2>
        <p>
          <strong>{heading}</strong>
        </p>
        <p>
          {order.quantity} ticket{order.quantity === 1 ? '' : 's'} ×{' '}
          {money(order.unitPriceCents, order.currency)} = <strong>{amount}</strong>
        </p>
        <p className="muted">Order {order.id}</p>
      </section>

      <div aria-live="polite" data-testid="order-outcome">
        {order.status === 'created' && (
          <p className="notice info" role="status">
            Waiting for partner confirmation… Your seats are being confirmed with the other official
            platforms. This usually takes a few seconds.
          </p>
        )}
        {order.status === 'complete' && (
          <div className="notice ok" role="status">
            <p>
              <strong>Paid — thank you!</strong> {amount} was charged and your tickets are ready.
            </p>
            <Link className="button" href="/tickets">
              See my tickets
            </Link>
          </div>
        )}
        {order.status === 'expired' && (
          <p className="notice bad" role="status">
            <strong>This order expired.</strong> The time to pay ran out and the seats went back on
            sale. Nothing was charged. <Link href="/">Find tickets again</Link>.
          </p>
        )}
        {order.status === 'cancelled' && (
          <p className="notice bad" role="status">
            <strong>Order cancelled.</strong> {cancelledText(order.cancelReason)}
          </p>
        )}
        {payment?.refund && (
          <p className="notice warn" role="status">
            {payment.refund.status === 'refunded'
              ? 'Your payment was refunded in full.'
              : 'Your payment is being refunded.'}
            {payment.refund.reason ? ` ${payment.refund.reason}` : ''}
          </p>
        )}
      </div>

      {order.status === 'awaiting_payment' && (
        <>
          <Countdown
            deadline={Date.parse(order.expiresAt)}
            clockSkew={clockSkew}
            onEnd={() => setTimedOut(true)}
          />
          {timedOut ? (
            <p className="notice bad" role="status">
              The time to pay has run out. Checking with the platform…
            </p>
          ) : (
            <section className="card" aria-labelledby="pay">
              <h2 id="pay">Pay {amount}</h2>
              {declined && (
                <p className="notice bad" role="alert" data-testid="declined">
                  <strong>Payment declined:</strong> {declined} Check the card details or use
                  another card, then try again.
                </p>
              )}
              {problem && (
                <p className="notice bad" role="alert">
                  {problem}
                </p>
              )}
              {paying || payment?.status === 'processing' ? (
                <p role="status" className="notice info">
                  Confirming your payment…
                </p>
              ) : null}
              {paymentConfig?.provider === 'stripe' && paymentConfig.stripePublishableKey ? (
                <StripeCardForm
                  publishableKey={paymentConfig.stripePublishableKey}
                  orderId={order.id}
                  mode={paymentConfig.mode}
                  amount={amount}
                  busy={paying || payment?.status === 'processing'}
                  onStarted={() => {
                    setPaying(true);
                    setDeclined(null);
                    void refresh();
                  }}
                  onDeclined={(message) => {
                    setDeclined(message);
                    void refresh();
                  }}
                  onProblem={setProblem}
                />
              ) : paymentConfig?.provider === 'stripe' ? (
                <p className="notice bad" role="alert">
                  Card payments are taken by Stripe, but this platform has no Stripe publishable key
                  configured (STRIPE_PUBLISHABLE_KEY on payments).
                </p>
              ) : (
                <SandboxCardForm
                  mode={paymentConfig?.mode ?? 'TEST MODE (sandbox)'}
                  busy={paying || payment?.status === 'processing'}
                  onPay={pay}
                  amount={amount}
                />
              )}
              <p>
                <button type="button" className="danger" onClick={cancel} disabled={paying}>
                  Cancel order
                </button>
              </p>
            </section>
          )}
        </>
      )}
    </div>
  );
}
