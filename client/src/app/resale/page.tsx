import type { Metadata } from 'next';
import Link from 'next/link';
import { listingListResponseSchema, matchListResponseSchema } from '@ticketaka/contracts';
import { BuyListingButton } from '../../components/buy-listing-button';
import { ErrorNotice } from '../../components/error-notice';
import { categoryName, money } from '../../lib/format';
import { catalogueCache, serviceGet } from '../../lib/server-api';
import { getSession } from '../../lib/session';

export const metadata: Metadata = { title: 'Resale market' };

export default async function ResalePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const raw = (await searchParams).match;
  const match = typeof raw === 'string' && /^\d{1,3}$/.test(raw) ? Number(raw) : undefined;
  const [listings, matches, session] = await Promise.all([
    serviceGet(
      'tickets',
      `/api/resale${match ? `?matchNumber=${match}` : ''}`,
      listingListResponseSchema,
    ),
    serviceGet('tickets', '/api/matches', matchListResponseSchema, {
      cacheSeconds: catalogueCache,
    }),
    getSession(),
  ]);
  if (!listings.ok)
    return <ErrorNotice title="The resale market could not be loaded" errors={listings.errors} />;
  const byNumber = new Map(matches.ok ? matches.data.matches.map((m) => [m.matchNumber, m]) : []);
  const name = (n: number) => {
    const m = byNumber.get(n);
    return m ? `${m.homeTeam} v ${m.awayTeam}` : `Match ${n}`;
  };
  return (
    <>
      <h1>Resale market</h1>
      <p>
        Tickets resold by other fans, at face value or below. Buying one goes through the same
        checkout.
      </p>
      <form method="get" action="/resale" className="filters card" aria-label="Filter listings">
        <div>
          <label htmlFor="match">Match</label>
          <select id="match" name="match" defaultValue={match ? String(match) : ''}>
            <option value="">All matches</option>
            {[...byNumber.values()].map((m) => (
              <option key={m.matchNumber} value={m.matchNumber}>
                {m.matchNumber}. {m.homeTeam} v {m.awayTeam}
              </option>
            ))}
          </select>
        </div>
        <div>
          <button type="submit">Show listings</button>
        </div>
      </form>
      {listings.data.listings.length === 0 ? (
        <p role="status">No tickets are for resale{match ? ' for this match' : ''} right now.</p>
      ) : (
        <ul className="grid" role="list">
          {listings.data.listings.map((l) => (
            <li key={l.id} className="card" data-testid="listing">
              <h2>{name(l.matchNumber)}</h2>
              <p>
                {categoryName(l.category)} · <strong>{money(l.priceCents, l.currency)}</strong>
                {l.status === 'locked' ? ' · a fan is buying it now' : ''}
              </p>
              {session.state === 'signed-in' ? (
                l.status === 'active' && (
                  <BuyListingButton
                    ticketId={l.ticketId}
                    label={`Buy ${name(l.matchNumber)} for ${money(l.priceCents, l.currency)}`}
                  />
                )
              ) : (
                <Link href="/signin?next=/resale">Sign in to buy</Link>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
