'use client';
import { sandboxCardSchema } from '@ticketaka/contracts';
import { useState, type FormEvent } from 'react';

type Card = { number: string; expMonth: number; expYear: number; cvc: string };

/** The sandbox provider's test cards, shown because no real card is ever charged here. */
const TEST_CARDS = [
  { number: '4242 4242 4242 4242', outcome: 'is paid' },
  { number: '4000 0000 0000 0002', outcome: 'is declined' },
  { number: '4000 0000 0000 9995', outcome: 'is declined for insufficient funds' },
];

/**
 * Card form for the labelled sandbox provider. The card goes to payments only (never stored,
 * never logged); the pay button is disabled while a payment is running.
 */
export function SandboxCardForm({
  mode,
  busy,
  amount,
  onPay,
}: {
  mode: string;
  busy: boolean;
  amount: string;
  onPay: (card: Card) => void;
}) {
  const [errors, setErrors] = useState<Record<string, string>>({});

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const [month, year] = String(form.get('expiry') ?? '')
      .split('/')
      .map((s) => s.trim());
    const card = {
      number: String(form.get('number') ?? '').trim(),
      expMonth: Number(month),
      expYear: year && year.length === 2 ? 2000 + Number(year) : Number(year),
      cvc: String(form.get('cvc') ?? '').trim(),
    };
    const parsed = sandboxCardSchema.safeParse(card);
    if (!parsed.success) {
      const found: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const field =
          issue.path[0] === 'number' ? 'number' : issue.path[0] === 'cvc' ? 'cvc' : 'expiry';
        found[field] ??=
          field === 'number'
            ? 'Enter the 16 digits of the card number'
            : field === 'cvc'
              ? 'Enter the 3 or 4 digit security code'
              : 'Enter the expiry date as MM/YY';
      }
      setErrors(found);
      return;
    }
    setErrors({});
    onPay(parsed.data);
  }

  const described = (field: string) => (errors[field] ? `${field}-error` : undefined);
  return (
    <form onSubmit={submit} noValidate className="narrow" aria-label="Card payment">
      <div className="notice warn">
        <p>
          <span className="test-mode">{mode}</span>: no real money is taken. Use a test card:
        </p>
        <ul>
          {TEST_CARDS.map((c) => (
            <li key={c.number}>
              <code>{c.number}</code> {c.outcome}
            </li>
          ))}
        </ul>
        <p>Any future expiry date and any 3-digit security code.</p>
      </div>
      <div className="field">
        <label htmlFor="number">Card number</label>
        <input
          id="number"
          name="number"
          inputMode="numeric"
          autoComplete="cc-number"
          required
          aria-invalid={!!errors.number}
          aria-describedby={described('number')}
        />
        {errors.number && (
          <p className="field-error" id="number-error">
            {errors.number}
          </p>
        )}
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor="expiry">Expiry (MM/YY)</label>
          <input
            id="expiry"
            name="expiry"
            inputMode="numeric"
            autoComplete="cc-exp"
            placeholder="12/30"
            required
            aria-invalid={!!errors.expiry}
            aria-describedby={described('expiry')}
          />
          {errors.expiry && (
            <p className="field-error" id="expiry-error">
              {errors.expiry}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="cvc">Security code</label>
          <input
            id="cvc"
            name="cvc"
            inputMode="numeric"
            autoComplete="cc-csc"
            required
            aria-invalid={!!errors.cvc}
            aria-describedby={described('cvc')}
          />
          {errors.cvc && (
            <p className="field-error" id="cvc-error">
              {errors.cvc}
            </p>
          )}
        </div>
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Paying…' : `Pay ${amount}`}
      </button>
    </form>
  );
}
