'use client';
import { liveCodeResponseSchema, type LiveCode } from '@ticketaka/contracts';
import { useEffect, useState } from 'react';
import { callApi } from '../lib/api-client';

/**
 * The ticket's live QR: the first frame is rendered by the server, then the next code is
 * fetched when the current one's step ends (every 30 s), so a screenshot goes stale.
 */
export function LiveTicketCode({
  ticketId,
  initial,
}: {
  ticketId: string;
  initial: LiveCode | null;
}) {
  const [code, setCode] = useState<LiveCode | null>(initial);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    let stopped = false;
    const refresh = async () => {
      const result = await callApi(`/api/tickets/${ticketId}/code`, {
        schema: liveCodeResponseSchema,
      });
      if (stopped) return;
      if (result.ok) {
        setCode(result.data);
        setProblem(null);
        schedule(result.data.refreshAt);
      } else {
        setProblem(result.problem.message);
        timer = setTimeout(() => void refresh(), 10_000);
      }
    };
    const schedule = (refreshAt: string) => {
      timer = setTimeout(
        () => void refresh(),
        Math.max(1_000, Date.parse(refreshAt) - Date.now() + 250),
      );
    };
    if (code) schedule(code.refreshAt);
    else void refresh();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // The schedule restarts only for another ticket; each refresh re-arms it itself.
  }, [ticketId]);

  return (
    <figure className="ticket-code" data-testid="ticket-code">
      {code ? (
        // The SVG is produced by our own server from the signed code (no user input in it).
        <div
          className="qr"
          role="img"
          aria-label="Ticket QR code"
          dangerouslySetInnerHTML={{ __html: code.qrSvg }}
        />
      ) : null}
      <figcaption>
        {problem ??
          'Show this code at the gate. It changes every 30 seconds; screenshots do not work.'}
        {code && (
          <details>
            <summary>Code as text</summary>
            <code data-testid="ticket-code-text">{code.code}</code>
          </details>
        )}
        <a href={`/api/tickets/${ticketId}/ticket.pdf`} download>
          Download PDF
        </a>
      </figcaption>
    </figure>
  );
}
