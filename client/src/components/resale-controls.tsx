'use client';
import { listingResponseSchema, type MyTicketView } from '@ticketaka/contracts';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { callApi } from '../lib/api-client';
import { money } from '../lib/format';

interface Props {
  ticketId: string;
  faceCents: number;
  currency: string;
  listing: MyTicketView['listing'];
}

/** List a ticket for resale at face value or below, change its price while not locked, withdraw it. */
export function ResaleControls({ ticketId, faceCents, currency, listing }: Props) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputId = `price-${ticketId}`;

  async function run(path: string, method: 'POST' | 'PUT' | 'DELETE', body?: unknown) {
    setBusy(true);
    setError(null);
    const result = await callApi(path, { method, body, schema: listingResponseSchema });
    setBusy(false);
    if (result.ok) router.refresh();
    else setError(result.problem.fields.priceCents ?? result.problem.message);
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const raw = String(new FormData(event.currentTarget).get('price') ?? '');
    const cents = Math.round(Number(raw.replace(',', '.')) * 100);
    if (!Number.isFinite(cents) || cents <= 0) return setError('Enter a price such as 75.00');
    if (cents > faceCents)
      return setError(`Resale is at face value or below: at most ${money(faceCents, currency)}`);
    if (listing)
      void run(`/api/resale/${listing.id}`, 'PUT', { priceCents: cents, version: listing.version });
    else void run('/api/resale', 'POST', { ticketId, priceCents: cents });
  }

  if (listing?.status === 'locked')
    return (
      <p className="notice info" role="status">
        A fan is buying this ticket right now ({money(listing.priceCents, currency)}); its price
        cannot change until that checkout ends.
      </p>
    );

  return (
    <form onSubmit={submit} className="stack" aria-label="Resale">
      {listing?.status === 'active' && (
        <p className="notice info">Listed for resale at {money(listing.priceCents, currency)}.</p>
      )}
      <div className="field">
        <label htmlFor={inputId}>{listing ? 'New resale price' : 'Resale price'}</label>
        <input
          id={inputId}
          name="price"
          inputMode="decimal"
          defaultValue={((listing?.priceCents ?? faceCents) / 100).toFixed(2)}
          aria-describedby={`${inputId}-hint${error ? ` ${inputId}-error` : ''}`}
          aria-invalid={error ? true : undefined}
        />
        <p className="hint" id={`${inputId}-hint`}>
          At most the face value, {money(faceCents, currency)}.
        </p>
        {error && (
          <p className="field-error" id={`${inputId}-error`} role="alert">
            {error}
          </p>
        )}
      </div>
      <div className="row">
        <button type="submit" disabled={busy} className="secondary">
          {listing ? 'Change price' : 'List for resale'}
        </button>
        {listing && (
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => void run(`/api/resale/${listing.id}`, 'DELETE')}
          >
            Withdraw
          </button>
        )}
      </div>
    </form>
  );
}
