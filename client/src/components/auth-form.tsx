'use client';
import { sessionResponseSchema } from '@ticketaka/contracts';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { callApi } from '../lib/api-client';
import { markSignedIn } from '../lib/signed-in-hint';

interface Props {
  mode: 'signin' | 'signup';
  countries?: { code: string; name: string }[];
  next: string;
}

/**
 * Sign in / sign up. The API's own field errors are shown next to the field they are about
 * (and linked to it with aria-describedby); the session comes back as HttpOnly cookies.
 */
export function AuthForm({ mode, countries = [], next }: Props) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body =
      mode === 'signup'
        ? {
            email: String(form.get('email') ?? ''),
            password: String(form.get('password') ?? ''),
            displayName: String(form.get('displayName') ?? ''),
            country: String(form.get('country') ?? ''),
          }
        : { email: String(form.get('email') ?? ''), password: String(form.get('password') ?? '') };
    setBusy(true);
    setFields({});
    setMessage(null);
    const result = await callApi(`/api/users/${mode}`, {
      method: 'POST',
      body,
      schema: sessionResponseSchema,
    });
    if (result.ok) {
      markSignedIn();
      router.push(next);
      router.refresh();
      return;
    }
    setBusy(false);
    setFields(result.problem.fields);
    const onAField = Object.keys(result.problem.fields).length > 0;
    setMessage(onAField ? 'Please correct the fields marked below.' : result.problem.message);
  }

  const field = (name: string, label: string, input: React.ReactNode, hint?: string) => (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      {input}
      {hint && (
        <p className="hint" id={`${name}-hint`}>
          {hint}
        </p>
      )}
      {fields[name] && (
        <p className="field-error" id={`${name}-error`}>
          {fields[name]}
        </p>
      )}
    </div>
  );
  const aria = (name: string, hint?: boolean) => ({
    'aria-invalid': fields[name] ? true : undefined,
    'aria-describedby':
      [fields[name] ? `${name}-error` : '', hint ? `${name}-hint` : ''].filter(Boolean).join(' ') ||
      undefined,
  });

  return (
    <form onSubmit={submit} noValidate className="narrow card">
      {message && (
        <p className="notice bad" role="alert">
          {message}
        </p>
      )}
      {field(
        'email',
        'Email',
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          required
          {...aria('email')}
        />,
      )}
      {field(
        'password',
        'Password',
        <input
          id="password"
          name="password"
          type="password"
          autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
          required
          {...aria('password', mode === 'signup')}
        />,
        mode === 'signup' ? 'At least 10 characters.' : undefined,
      )}
      {mode === 'signup' &&
        field(
          'displayName',
          'Your name',
          <input
            id="displayName"
            name="displayName"
            autoComplete="nickname"
            required
            {...aria('displayName')}
          />,
        )}
      {mode === 'signup' &&
        field(
          'country',
          'Country',
          <select id="country" name="country" required defaultValue="" {...aria('country', true)}>
            <option value="" disabled>
              Choose your country
            </option>
            {countries.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>,
          'We use it to suggest matches you may like.',
        )}
      <button type="submit" disabled={busy}>
        {busy ? 'Please wait…' : mode === 'signup' ? 'Create account' : 'Sign in'}
      </button>
      <p>
        {mode === 'signup' ? (
          <>
            Already have an account?{' '}
            <Link href={`/signin?next=${encodeURIComponent(next)}`}>Sign in</Link>
          </>
        ) : (
          <>
            New here?{' '}
            <Link href={`/signup?next=${encodeURIComponent(next)}`}>Create an account</Link>
          </>
        )}
      </p>
    </form>
  );
}
