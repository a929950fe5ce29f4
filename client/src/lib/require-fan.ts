import { redirect } from 'next/navigation';
import type { CurrentUser } from '@ticketaka/contracts';
import { getSession } from './session';

/** The signed-in fan, or a redirect to sign in (and back here afterwards). */
export async function requireFan(here: string): Promise<CurrentUser | null> {
  const session = await getSession();
  if (session.state === 'signed-in') return session.user;
  // A stale session is refreshed by the layout's SessionRefresher; render nothing meanwhile.
  if (session.state === 'stale') return null;
  redirect(`/signin?next=${encodeURIComponent(here)}`);
}
