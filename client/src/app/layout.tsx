import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import { Suspense, type ReactNode } from 'react';
import { NotificationBell } from '../components/notification-bell';
import { SessionRefresher } from '../components/session-refresher';
import { SignOutButton } from '../components/sign-out-button';
import { getSession } from '../lib/session';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Ticketaka — World Cup tickets', template: '%s · Ticketaka' },
  description:
    'Official FIFA World Cup match tickets and a fan-to-fan resale market at face value.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1, themeColor: '#0b3d2e' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const session = await getSession();
  const user = session.state === 'signed-in' ? session.user : null;
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <Link href="/" className="brand">
            Ticketaka
          </Link>
          <nav aria-label="Main">
            <ul>
              <li>
                <Link href="/">Matches</Link>
              </li>
              <li>
                <Link href="/resale">Resale</Link>
              </li>
              {user && (
                <>
                  <li>
                    <Link href="/orders">My orders</Link>
                  </li>
                  <li>
                    <Link href="/tickets">My tickets</Link>
                  </li>
                </>
              )}
              {user?.role === 'admin' && (
                <li>
                  <Link href="/admin">Admin</Link>
                </li>
              )}
              {user?.role === 'steward' && (
                <li>
                  <Link href="/gate">Gate</Link>
                </li>
              )}
            </ul>
          </nav>
          <div className="account">
            {user ? (
              <>
                <NotificationBell />
                <span className="who">
                  Signed in as <strong>{user.displayName}</strong>
                </span>
                <Link href="/account">Account</Link>
                <SignOutButton />
              </>
            ) : (
              <>
                <Link href="/signin">Sign in</Link>
                <Link href="/signup" className="button small">
                  Sign up
                </Link>
              </>
            )}
          </div>
        </header>
        {session.state !== 'signed-in' && (
          <Suspense fallback={null}>
            <SessionRefresher />
          </Suspense>
        )}
        <main id="main">{children}</main>
        <footer className="site-footer">
          <p>
            Ticketaka is one of several approved platforms selling official match tickets. Resale is
            at face value or below.
          </p>
        </footer>
      </body>
    </html>
  );
}
