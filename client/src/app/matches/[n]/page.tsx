import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { fanAllowanceResponseSchema, matchResponseSchema } from '@ticketaka/contracts';
import { BuyForm } from '../../../components/buy-form';
import { ErrorNotice } from '../../../components/error-notice';
import { FollowButtons } from '../../../components/follow-buttons';
import {
  LiveAvailabilityProvider,
  LiveBadge,
  LiveCount,
} from '../../../components/live-availability';
import { LocalTime } from '../../../components/local-time';
import { categoryName, dateTime, money, roundName } from '../../../lib/format';
import { countsOf } from '../../../lib/live-counts';
import { catalogueCache, serviceGet } from '../../../lib/server-api';
import { getSession } from '../../../lib/session';
import { venueTimeZone } from '../../../lib/venues';

type Params = Promise<{ n: string }>;

async function loadMatch(n: string) {
  if (!/^\d{1,3}$/.test(n)) notFound();
  const result = await serviceGet('tickets', `/api/matches/${Number(n)}`, matchResponseSchema, {
    cacheSeconds: catalogueCache,
  });
  if (!result.ok && result.status === 404) notFound();
  return result;
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const result = await loadMatch((await params).n);
  return result.ok
    ? { title: `${result.data.match.homeTeam} v ${result.data.match.awayTeam}` }
    : { title: 'Match' };
}

export default async function MatchPage({ params }: { params: Params }) {
  const result = await loadMatch((await params).n);
  if (!result.ok)
    return <ErrorNotice title="This match could not be loaded" errors={result.errors} />;
  const { match } = result.data;
  const session = await getSession();
  const allowance =
    session.state === 'signed-in'
      ? await serviceGet(
          'orders',
          `/api/orders/allowance?matchNumber=${match.matchNumber}`,
          fanAllowanceResponseSchema,
          { asFan: true },
        )
      : undefined;
  const zone = venueTimeZone(match.venue);

  return (
    <LiveAvailabilityProvider initial={countsOf([match])} matchNumber={match.matchNumber}>
      <p>
        <Link href="/">← All matches</Link>
      </p>
      <h1>
        {match.homeTeam} v {match.awayTeam}
      </h1>
      <div className="grid">
        <section className="card" aria-labelledby="when">
          <h2 id="when">When and where</h2>
          <dl className="facts">
            <dt>Stage</dt>
            <dd>
              {roundName(match.roundNumber)}
              {match.group ? ` · Group ${match.group}` : ''} · match {match.matchNumber}
            </dd>
            <dt>Venue</dt>
            <dd>{match.venue}</dd>
            <dt>Kick-off at the venue</dt>
            <dd>{dateTime(match.kickOff, zone)}</dd>
            <dt>Kick-off where you are</dt>
            <dd>
              <LocalTime iso={match.kickOff} />
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="prices">
          <h2 id="prices">Categories</h2>
          <ul className="categories stack">
            {match.categories.map((c) => (
              <li key={c.category}>
                <span>
                  <strong>{categoryName(c.category)}</strong> · {money(c.priceCents, c.currency)}
                  <br />
                  <span className="muted">
                    <LiveCount matchNumber={match.matchNumber} category={c.category} />
                  </span>
                </span>
                <LiveBadge matchNumber={match.matchNumber} category={c.category} />
              </li>
            ))}
          </ul>
        </section>
      </div>
      <section className="card" aria-labelledby="buy">
        <h2 id="buy">Buy tickets</h2>
        {session.state !== 'signed-in' ? (
          <p>
            <Link href={`/signin?next=/matches/${match.matchNumber}`}>Sign in</Link> or{' '}
            <Link href={`/signup?next=/matches/${match.matchNumber}`}>create an account</Link> to
            buy tickets.
          </p>
        ) : !allowance?.ok ? (
          <p role="alert">
            We could not check how many tickets you may buy. Please reload the page.
          </p>
        ) : (
          <BuyForm
            matchNumber={match.matchNumber}
            categories={match.categories.map((c) => ({
              category: c.category,
              price: money(c.priceCents, c.currency),
            }))}
            allowance={allowance.data}
          />
        )}
      </section>
      <section className="card" aria-labelledby="follow">
        <h2 id="follow">Follow</h2>
        <p className="muted">
          Sold out? Follow the match or a team: when seats come back everyone following is told at
          once (first come, first served), and again the day before kick-off.
        </p>
        <FollowButtons
          matchNumber={match.matchNumber}
          teams={[match.homeTeam, match.awayTeam]}
          signInNext={`/matches/${match.matchNumber}`}
        />
      </section>
    </LiveAvailabilityProvider>
  );
}
