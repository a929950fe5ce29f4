import type { Metadata } from 'next';
import Link from 'next/link';
import {
  bellResponseSchema,
  followsResponseSchema,
  preferencesResponseSchema,
} from '@ticketaka/contracts';
import { EmailPreferencesForm } from '../../components/email-preferences-form';
import { ErrorNotice } from '../../components/error-notice';
import { UnfollowButton } from '../../components/unfollow-button';
import { requireFan } from '../../lib/require-fan';
import { serviceGet } from '../../lib/server-api';

export const metadata: Metadata = { title: 'Account' };

/**
 * The fan's e-mail switches per kind, what they follow, and their notifications (the bell's
 * list, readable without JavaScript), all read from notifications with the fan's cookie.
 */
export default async function AccountPage() {
  const fan = await requireFan('/account');
  if (!fan) return null;
  const [preferences, follows, bell] = await Promise.all([
    serviceGet('notifications', '/api/notifications/preferences', preferencesResponseSchema, {
      asFan: true,
    }),
    serviceGet('notifications', '/api/notifications/follows', followsResponseSchema, {
      asFan: true,
    }),
    serviceGet('notifications', '/api/notifications', bellResponseSchema, { asFan: true }),
  ]);

  return (
    <>
      <h1>Your account</h1>
      <dl className="facts">
        <dt>Name</dt>
        <dd>{fan.displayName}</dd>
        <dt>E-mail</dt>
        <dd>{fan.email}</dd>
      </dl>
      <section className="card" aria-labelledby="email-settings">
        <h2 id="email-settings">E-mail</h2>
        {preferences.ok ? (
          <EmailPreferencesForm preferences={preferences.data.preferences} />
        ) : (
          <ErrorNotice
            title="Your e-mail settings could not be loaded"
            errors={preferences.errors}
          />
        )}
      </section>
      <section className="card" aria-labelledby="following">
        <h2 id="following">Following</h2>
        {!follows.ok ? (
          <ErrorNotice title="What you follow could not be loaded" errors={follows.errors} />
        ) : follows.data.follows.length === 0 ? (
          <p className="muted">
            You follow nothing yet. Open a match and choose Follow to hear when seats come back.
          </p>
        ) : (
          <ul className="stack follows">
            {follows.data.follows.map((f) =>
              f.kind === 'match' ? (
                <li key={`match-${f.matchNumber}`}>
                  <Link href={`/matches/${f.matchNumber}`}>Match {f.matchNumber}</Link>
                  <UnfollowButton
                    target={{ matchNumber: f.matchNumber }}
                    label={`match ${f.matchNumber}`}
                  />
                </li>
              ) : (
                <li key={`team-${f.team}`}>
                  <Link href={`/?team=${encodeURIComponent(f.team)}`}>{f.team}</Link>
                  <UnfollowButton target={{ team: f.team }} label={f.team} />
                </li>
              ),
            )}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="notifications">
        <h2 id="notifications">Your notifications</h2>
        {!bell.ok ? (
          <ErrorNotice title="Your notifications could not be loaded" errors={bell.errors} />
        ) : bell.data.notifications.length === 0 ? (
          <p className="muted">Nothing yet.</p>
        ) : (
          <ul className="stack notification-list">
            {bell.data.notifications.map((n) => (
              <li key={n.id}>
                <p className="bell-title">
                  {n.link ? <Link href={n.link}>{n.title}</Link> : <strong>{n.title}</strong>}{' '}
                  {!n.read && <span className="badge">new</span>}
                </p>
                <p className="bell-body">{n.body}</p>
                <p className="bell-meta">
                  <time dateTime={n.createdAt}>{new Date(n.createdAt).toUTCString()}</time>
                </p>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
