'use client';
import { followsResponseSchema, type FollowInput } from '@ticketaka/contracts';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { callApi } from '../lib/api-client';

/** Stops following a match or team from the account page, then renders the list again. */
export function UnfollowButton({ target, label }: { target: FollowInput; label: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="small secondary"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          const result = await callApi('/api/notifications/follows', {
            method: 'DELETE',
            body: target,
            schema: followsResponseSchema,
          });
          setBusy(false);
          if (result.ok) router.refresh();
          else setMessage(result.problem.message);
        }}
      >
        Unfollow<span className="visually-hidden"> {label}</span>
      </button>
      {message && <span role="alert">{message}</span>}
    </>
  );
}
