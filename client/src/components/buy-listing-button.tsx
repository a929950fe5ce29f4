'use client';
import { orderResponseSchema } from '@ticketaka/contracts';
import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { callApi } from '../lib/api-client';

/** Buys one resale ticket: an order for it (one Idempotency-Key per intent), then checkout. */
export function BuyListingButton({ ticketId, label }: { ticketId: string; label: string }) {
  const router = useRouter();
  const key = useRef<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        aria-label={label}
        disabled={busy}
        onClick={async () => {
          key.current ??= crypto.randomUUID();
          setBusy(true);
          setMessage(null);
          const result = await callApi('/api/orders', {
            method: 'POST',
            body: { ticketId },
            headers: { 'Idempotency-Key': key.current },
            schema: orderResponseSchema,
          });
          if (result.ok) return router.push(`/orders/${result.data.order.id}`);
          setBusy(false);
          if (result.problem.status < 500) key.current = null;
          setMessage(result.problem.message);
        }}
      >
        {busy ? 'Reserving…' : 'Buy'}
      </button>
      {message && (
        <p className="notice bad" role="alert">
          {message}
        </p>
      )}
    </>
  );
}
