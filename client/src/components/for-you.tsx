import Link from 'next/link';
import type { MatchView } from '@ticketaka/contracts';
import { z } from 'zod';
import { serviceGet } from '../lib/server-api';
import { getSession } from '../lib/session';

const recommendationsSchema = z.object({
  recommendations: z.array(z.object({ matchNumber: z.number().int() })),
});

/**
 * "For you": matches recommended to the signed-in fan by `GET /api/recommendations`. Absent
 * (not faked) for visitors, and while the platform offers no recommendations.
 */
export async function ForYou({ matches }: { matches: MatchView[] }) {
  const session = await getSession();
  if (session.state !== 'signed-in') return null;
  const result = await serviceGet('tickets', '/api/recommendations', recommendationsSchema, {
    asFan: true,
  });
  if (!result.ok || result.data.recommendations.length === 0) return null;
  const byNumber = new Map(matches.map((m) => [m.matchNumber, m]));
  const picks = result.data.recommendations.flatMap((r) => byNumber.get(r.matchNumber) ?? []);
  if (picks.length === 0) return null;
  return (
    <section aria-labelledby="for-you" className="card">
      <h2 id="for-you">For you</h2>
      <ul className="row" role="list">
        {picks.slice(0, 6).map((m) => (
          <li key={m.matchNumber}>
            <Link href={`/matches/${m.matchNumber}`}>
              {m.homeTeam} v {m.awayTeam}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
