'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { z } from 'zod';
import { callApi } from '../lib/api-client';
import { markSignedOut } from '../lib/signed-in-hint';

export function SignOutButton() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className="link-button"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        await callApi('/api/users/signout', { method: 'POST', schema: z.unknown() });
        markSignedOut();
        router.push('/');
        router.refresh();
      }}
    >
      Sign out
    </button>
  );
}
