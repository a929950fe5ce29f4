'use client';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect } from 'react';
import { safeNext } from '../lib/next-path';
import { markSignedOut, maybeSignedIn } from '../lib/signed-in-hint';

const TRIED_KEY = 'ticketaka-refresh-tried-at';
const RETRY_AFTER_MS = 60_000;

/**
 * Access tokens are short-lived and their cookie goes with them; the refresh token's cookie
 * is sent to auth only (path /api/users). So a page rendered without a session may belong to
 * a fan who is still signed in: ask auth once for a new access token and, when it gives one,
 * render again signed in (from the sign-in page, go where the fan was heading). A failed
 * attempt is not repeated for a minute, so a visitor costs one quick 401 now and then.
 */
export function SessionRefresher() {
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  useEffect(() => {
    if (!maybeSignedIn()) return;
    const tried = Number(sessionStorage.getItem(TRIED_KEY) ?? 0);
    if (Date.now() - tried < RETRY_AFTER_MS) return;
    void fetch('/api/users/refresh', { method: 'POST', credentials: 'same-origin' })
      .then((r) => {
        if (!r.ok) {
          sessionStorage.setItem(TRIED_KEY, String(Date.now()));
          if (r.status === 401) markSignedOut();
          return;
        }
        sessionStorage.removeItem(TRIED_KEY);
        if (pathname === '/signin' || pathname === '/signup')
          router.replace(safeNext(search.get('next') ?? undefined));
        else router.refresh();
      })
      .catch(() => undefined);
  }, [router, pathname, search]);
  return null;
}
