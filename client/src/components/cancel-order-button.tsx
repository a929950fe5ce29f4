'use client';
import { orderResponseSchema } from '@ticketaka/contracts';
import { callApi } from '../lib/api-client';
import { ActionButton } from './action-button';

/** Cancels an unpaid order from My orders (its seats go back on sale at once). */
export function CancelOrderButton({ orderId }: { orderId: string }) {
  return (
    <ActionButton
      className="danger small"
      send={() =>
        callApi(`/api/orders/${orderId}`, { method: 'DELETE', schema: orderResponseSchema })
      }
    >
      Cancel
    </ActionButton>
  );
}
