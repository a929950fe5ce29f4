'use client';
import { orderResponseSchema } from '@ticketaka/contracts';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { callApi } from '../lib/api-client';

export function CancelOrderButton({ orderId }: { orderId: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="danger small"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          const result = await callApi(`/api/orders/${orderId}`, {
            method: 'DELETE',
            schema: orderResponseSchema,
          });
          setBusy(false);
          if (result.ok) router.refresh();
          else setMessage(result.problem.message);
        }}
      >
        Cancel
      </button>
      {message && <span role="alert">{message}</span>}
    </>
  );
}
