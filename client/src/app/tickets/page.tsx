import type { Metadata } from 'next';
import Link from 'next/link';
import { myTicketsResponseSchema } from '@ticketaka/contracts';
import { ErrorNotice } from '../../components/error-notice';
import { ResaleControls } from '../../components/resale-controls';
import { categoryName, dateTime, money } from '../../lib/format';
import { requireFan } from '../../lib/require-fan';
import { serviceGet } from '../../lib/server-api';
import { venueTimeZone } from '../../lib/venues';

export const metadata: Metadata = { title: 'My tickets' };

export default async function MyTicketsPage() {
  if (!(await requireFan('/tickets'))) return null;
  const result = await serviceGet('tickets', '/api/tickets/mine', myTicketsResponseSchema, {
    asFan: true,
  });
  if (!result.ok)
    return <ErrorNotice title="Your tickets could not be loaded" errors={result.errors} />;
  // Seat order within each order, so a fan reads seat 1, seat 2, …
  const tickets = [...result.data.tickets].sort(
    (a, b) =>
      a.matchNumber - b.matchNumber ||
      a.orderId.localeCompare(b.orderId) ||
      a.seatIndex - b.seatIndex,
  );
  return (
    <>
      <h1>My tickets</h1>
      {tickets.length === 0 ? (
        <p>
          You have no tickets yet. <Link href="/">Browse the matches</Link>.
        </p>
      ) : (
        <ul className="grid" role="list">
          {tickets.map((t) => (
            <li key={t.id} className="card" data-testid="ticket">
              <h2>
                {t.match ? `${t.match.homeTeam} v ${t.match.awayTeam}` : `Match ${t.matchNumber}`}
              </h2>
              <dl className="facts">
                <dt>Match</dt>
                <dd>{t.matchNumber}</dd>
                {t.match && (
                  <>
                    <dt>Kick-off</dt>
                    <dd>{dateTime(t.match.kickOff, venueTimeZone(t.match.venue))}</dd>
                    <dt>Venue</dt>
                    <dd>{t.match.venue}</dd>
                  </>
                )}
                <dt>Seat</dt>
                <dd>
                  {categoryName(t.category)}, seat {t.seatIndex} of order{' '}
                  <Link href={`/orders/${t.orderId}`}>{t.orderId.slice(0, 8)}</Link>
                </dd>
                <dt>Face value</dt>
                <dd>{money(t.facePriceCents, t.currency)}</dd>
                <dt>Ticket</dt>
                <dd>
                  <code>{t.id}</code>
                </dd>
              </dl>
              <ResaleControls
                ticketId={t.id}
                faceCents={t.facePriceCents}
                currency={t.currency}
                listing={t.listing}
              />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
