'use client';
import { orderResponseSchema, type FanAllowance } from '@ticketaka/contracts';
import { useRouter } from 'next/navigation';
import { useRef, useState, type FormEvent } from 'react';
import { callApi } from '../lib/api-client';
import { useLiveCounts } from './live-availability';

interface Props {
  matchNumber: number;
  categories: { category: number; price: string }[];
  allowance: FanAllowance;
}

const MAX_PER_ORDER = 10;

/**
 * Category and quantity, then "Buy". The Idempotency-Key is made once per intent (this
 * category and quantity): a double click, or a retry after a lost answer, sends the same
 * key, so the platform makes one order. Changing the choice starts a new intent.
 */
export function BuyForm({ matchNumber, categories, allowance }: Props) {
  const router = useRouter();
  const [category, setCategory] = useState(categories[0]?.category ?? 1);
  const [quantity, setQuantity] = useState(1);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const intent = useRef<{ choice: string; key: string } | null>(null);
  const live = useLiveCounts(matchNumber, category);
  const buyable = Math.max(0, live?.pending ?? 0);
  const most = Math.min(allowance.remaining, buyable, MAX_PER_ORDER);
  const chosen = Math.min(quantity, Math.max(1, most));

  if (allowance.remaining === 0) {
    return (
      <p role="status">
        You already have {allowance.used} tickets for this match, the most one fan may buy (
        {allowance.limit}).
      </p>
    );
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const choice = `${category}:${chosen}`;
    if (intent.current?.choice !== choice) intent.current = { choice, key: crypto.randomUUID() };
    setBusy(true);
    setMessage(null);
    const result = await callApi('/api/orders', {
      method: 'POST',
      body: { matchNumber, category, quantity: chosen },
      headers: { 'Idempotency-Key': intent.current.key },
      schema: orderResponseSchema,
    });
    if (result.ok) {
      router.push(`/orders/${result.data.order.id}`);
      return;
    }
    setBusy(false);
    const { problem } = result;
    // A definite refusal ends this intent; a lost answer keeps the key for the retry.
    if (problem.status >= 400 && problem.status < 500 && problem.status !== 429)
      intent.current = null;
    setMessage(
      problem.code === 'not_enough_tickets'
        ? 'Sorry, those tickets were just taken by other fans. Try fewer tickets or another category.'
        : problem.message,
    );
  }

  return (
    <form onSubmit={submit} className="narrow" aria-describedby="limit-hint">
      <fieldset className="field">
        <legend>
          <strong>Category</strong>
        </legend>
        {categories.map((c) => (
          <div key={c.category} className="row">
            <input
              type="radio"
              id={`category-${c.category}`}
              name="category"
              value={c.category}
              checked={category === c.category}
              onChange={() => {
                setCategory(c.category);
                setQuantity(1);
              }}
              className="radio"
            />
            <label htmlFor={`category-${c.category}`}>
              Category {c.category} · {c.price}
            </label>
          </div>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor="quantity">Number of tickets</label>
        <select
          id="quantity"
          value={chosen}
          onChange={(e) => setQuantity(Number(e.target.value))}
          disabled={most === 0}
        >
          {Array.from({ length: Math.max(1, most) }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <p className="hint" id="limit-hint">
          Up to {allowance.limit} tickets per fan for this match
          {allowance.used ? ` (you already have ${allowance.used})` : ''}.
        </p>
      </div>
      {message && (
        <p className="notice bad" role="alert">
          {message}
        </p>
      )}
      {!message && live && most === 0 && (
        // Said in words, not only by the disabled button: the count can reach zero while
        // the fan is still choosing.
        <p className="notice" role="status" data-testid="none-ready">
          {live.available > 0
            ? `No tickets in category ${category} are ready to buy right now: the rest are held by other fans and come back if they do not pay. Follow the match to hear when.`
            : `Category ${category} is sold out. Follow the match to hear if seats come back.`}
        </p>
      )}
      <button type="submit" disabled={busy || most === 0}>
        {busy ? 'Placing your order…' : most === 0 ? 'None available right now' : 'Buy'}
      </button>
    </form>
  );
}
