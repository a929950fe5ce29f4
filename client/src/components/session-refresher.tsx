'use client';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

/**
 * Rendered when auth refused the session cookie (an access token that ran out): asks for a
 * new one with the refresh token, then renders the page again signed in. Where refresh is
 * not available the page simply stays signed out.
 */
export function SessionRefresher() {
  const router = useRouter();
  useEffect(() => {
    void fetch('/api/users/refresh', { method: 'POST', credentials: 'same-origin' })
      .then((r) => {
        if (r.ok) router.refresh();
      })
      .catch(() => undefined);
  }, [router]);
  return null;
}
