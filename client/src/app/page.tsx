import Link from 'next/link';
import { matchListResponseSchema, type MatchView } from '@ticketaka/contracts';
import { LiveAvailabilityProvider, LiveBadge } from '../components/live-availability';
import { ErrorNotice } from '../components/error-notice';
import { ForYou } from '../components/for-you';
import { catalogueCache, serviceGet } from '../lib/server-api';
import { categoryName, day, money, roundName } from '../lib/format';
import { countsOf } from '../lib/live-counts';
import { venueTimeZone } from '../lib/venues';

const GROUPS = 'ABCDEFGH'.split('');

type Search = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() ?? '';

export default async function MatchesPage({ searchParams }: { searchParams: Search }) {
  const params = await searchParams;
  const filters = {
    team: one(params.team),
    group: one(params.group),
    venue: one(params.venue),
    date: one(params.date),
  };
  const query = new URLSearchParams();
  if (filters.team) query.set('team', filters.team);
  if (/^[A-H]$/.test(filters.group)) query.set('group', filters.group);
  if (filters.venue) query.set('venue', filters.venue);
  if (/^\d{4}-\d{2}-\d{2}$/.test(filters.date)) {
    query.set('from', filters.date);
    query.set('to', filters.date);
  }
  const [all, filtered] = await Promise.all([
    serviceGet('tickets', '/api/matches', matchListResponseSchema, {
      cacheSeconds: catalogueCache,
    }),
    query.size
      ? serviceGet('tickets', `/api/matches?${query}`, matchListResponseSchema, {
          cacheSeconds: catalogueCache,
        })
      : undefined,
  ]);
  if (!all.ok) return <ErrorNotice title="The matches could not be loaded" errors={all.errors} />;
  const result = filtered ?? all;
  if (!result.ok) return <ErrorNotice title="Those filters did not work" errors={result.errors} />;
  const matches = result.data.matches;
  const venues = [...new Set(all.data.matches.map((m) => m.venue))].sort();

  return (
    <>
      <h1>World Cup matches</h1>
      <ForYou matches={all.data.matches} />
      <form className="filters card" method="get" action="/" aria-label="Filter matches">
        <div>
          <label htmlFor="team">Team</label>
          <input id="team" name="team" defaultValue={filters.team} placeholder="e.g. Brazil" />
        </div>
        <div>
          <label htmlFor="group">Group</label>
          <select id="group" name="group" defaultValue={filters.group}>
            <option value="">Any group</option>
            {GROUPS.map((g) => (
              <option key={g} value={g}>
                Group {g}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="venue">Venue</label>
          <select id="venue" name="venue" defaultValue={filters.venue}>
            <option value="">Any venue</option>
            {venues.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="date">Date</label>
          <input id="date" name="date" type="date" defaultValue={filters.date} />
        </div>
        <div className="row">
          <button type="submit">Show matches</button>
          <Link href="/">Clear</Link>
        </div>
      </form>
      <p className="muted" aria-live="polite">
        {matches.length} match{matches.length === 1 ? '' : 'es'}
        {query.size ? ' match your filters' : ''}. Availability updates live.
      </p>
      <LiveAvailabilityProvider initial={countsOf(matches)}>
        {groupByStageAndDay(matches).map(([stage, days]) => (
          <section key={stage} aria-labelledby={`stage-${stage}`}>
            <h2 id={`stage-${stage}`}>{roundName(stage)}</h2>
            {days.map(([date, list]) => (
              <section key={date} aria-label={`${roundName(stage)}, ${date}`}>
                <h3 className="day-heading">{date}</h3>
                <ul className="grid" role="list">
                  {list.map((m) => (
                    <li key={m.matchNumber} className="card match-card">
                      <MatchSummary match={m} />
                    </li>
                  ))}
                </ul>
              </section>
            ))}
          </section>
        ))}
      </LiveAvailabilityProvider>
    </>
  );
}

function MatchSummary({ match }: { match: MatchView }) {
  const zone = venueTimeZone(match.venue);
  const time = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: zone,
    timeZoneName: 'short',
  }).format(new Date(match.kickOff));
  return (
    <>
      <h3>
        <Link href={`/matches/${match.matchNumber}`}>
          {match.homeTeam} v {match.awayTeam}
        </Link>
      </h3>
      <p className="meta">
        Match {match.matchNumber}
        {match.group ? ` · Group ${match.group}` : ''} · {match.venue} · {time} local
      </p>
      <ul className="categories" aria-label={`Prices for match ${match.matchNumber}`}>
        {match.categories.map((c) => (
          <li key={c.category}>
            <span>
              {categoryName(c.category)} · <strong>{money(c.priceCents, c.currency)}</strong>
            </span>
            <LiveBadge matchNumber={match.matchNumber} category={c.category} />
          </li>
        ))}
      </ul>
    </>
  );
}

/** Stage (round) first, then the day at the venue, both in kick-off order. */
function groupByStageAndDay(matches: MatchView[]): [number, [string, MatchView[]][]][] {
  const stages = new Map<number, Map<string, MatchView[]>>();
  for (const m of matches) {
    const days = stages.get(m.roundNumber) ?? new Map<string, MatchView[]>();
    stages.set(m.roundNumber, days);
    const d = day(m.kickOff, venueTimeZone(m.venue));
    days.set(d, [...(days.get(d) ?? []), m]);
  }
  return [...stages.entries()]
    .sort(([a], [b]) => a - b)
    .map(([s, days]) => [s, [...days.entries()]]);
}
