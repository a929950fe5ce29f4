'use client';
import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import type { ApiResult } from '../lib/api-client';

/**
 * A button that makes one change on the platform and then renders the page again from the
 * server, so what the fan sees is what was stored. A refusal is shown next to the button.
 * While the request is in flight the button is disabled: one click, one request.
 */
export function ActionButton({
  send,
  className,
  children,
}: {
  send: () => Promise<ApiResult<unknown>>;
  className: string;
  children: ReactNode;
}) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className={className}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setMessage(null);
          const result = await send();
          setBusy(false);
          if (result.ok) router.refresh();
          else setMessage(result.problem.message);
        }}
      >
        {children}
      </button>
      {message && <span role="alert">{message}</span>}
    </>
  );
}
