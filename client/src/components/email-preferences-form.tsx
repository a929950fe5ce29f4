'use client';
import {
  preferencesResponseSchema,
  type NotificationKind,
  type PreferencesView,
} from '@ticketaka/contracts';
import { useState, type FormEvent } from 'react';
import { callApi } from '../lib/api-client';

/**
 * One switch per kind of e-mail (the bell shows every kind whatever is chosen here). Saved
 * with `PUT /api/notifications/preferences`, naming only the kinds that changed.
 */
export function EmailPreferencesForm({
  preferences,
}: {
  preferences: PreferencesView['preferences'];
}) {
  const [saved, setSaved] = useState(preferences);
  const [draft, setDraft] = useState<Record<string, boolean>>(
    Object.fromEntries(preferences.map((p) => [p.kind, p.email])),
  );
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const changed = Object.fromEntries(
      saved.filter((p) => draft[p.kind] !== p.email).map((p) => [p.kind, draft[p.kind]]),
    ) as Partial<Record<NotificationKind, boolean>>;
    if (Object.keys(changed).length === 0) {
      setStatus('Nothing changed.');
      return;
    }
    setBusy(true);
    setStatus('');
    const result = await callApi('/api/notifications/preferences', {
      method: 'PUT',
      body: { email: changed },
      schema: preferencesResponseSchema,
    });
    setBusy(false);
    if (result.ok) {
      setSaved(result.data.preferences);
      setDraft(Object.fromEntries(result.data.preferences.map((p) => [p.kind, p.email])));
      setProblem(null);
      setStatus('Your e-mail settings are saved.');
    } else setProblem(result.problem.message);
  };

  return (
    <form onSubmit={submit} className="stack" aria-describedby="email-settings-help">
      <p id="email-settings-help" className="muted">
        Choose which messages we also send by e-mail. Every message still appears under the bell.
      </p>
      <fieldset>
        <legend>Send me an e-mail when…</legend>
        <ul className="preference-list">
          {saved.map((p) => (
            <li key={p.kind}>
              <input
                type="checkbox"
                id={`email-${p.kind}`}
                name={p.kind}
                checked={draft[p.kind] ?? true}
                onChange={(e) => setDraft((d) => ({ ...d, [p.kind]: e.target.checked }))}
              />
              <label htmlFor={`email-${p.kind}`}>{p.label}</label>
            </li>
          ))}
        </ul>
      </fieldset>
      <button type="submit" disabled={busy}>
        Save e-mail settings
      </button>
      <p role="status">{status}</p>
      {problem && <p role="alert">{problem}</p>}
    </form>
  );
}
