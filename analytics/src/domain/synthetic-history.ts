import {
  authEvents,
  ordersEvents,
  ticketsEvents,
  deterministicId,
  type EventEnvelope,
} from '@ticketaka/common';
import { regionOf, teamCountry } from './regions';

/**
 * A seeded, documented synthetic booking history (docs/recommendations.md), used until
 * real bookings exist: fans by country, each buying a few matches chosen by team affinity
 * plus noise. Affinity has four sources, the patterns a real history would show:
 * - own team: a fan's country's team (England and Wales for GB);
 * - neighbours and rivals: named pairs (Argentina–Uruguay, USA–Mexico, Spain–Portugal, …);
 * - diaspora: large communities abroad (Moroccans in France, Mexicans in the USA, …);
 * - continental loyalty: any team of the fan's own continent;
 * plus the global pull of a few famous teams, a fan's tendency to follow the teams they
 * already bought (the side they came for, not its opponent), and 15 % uniformly random
 * purchases.
 */
export interface SyntheticMatch {
  matchNumber: number;
  roundNumber: number;
  dateUtc: string;
  location: string;
  homeTeam: string;
  awayTeam: string;
  group?: string | null;
}

const FAN_COUNTRIES: Record<string, number> = {
  US: 10,
  GB: 10,
  MX: 8,
  AR: 8,
  BR: 8,
  FR: 8,
  DE: 7,
  ES: 7,
  JP: 5,
  KR: 4,
  CA: 4,
  PT: 4,
  NL: 4,
  MA: 4,
  BE: 3,
  AU: 3,
  SA: 3,
  QA: 3,
  PL: 3,
  IN: 3,
  CN: 2,
  CO: 2,
  CL: 2,
  PE: 1,
  EC: 2,
  UY: 2,
  HR: 2,
  SN: 2,
  DK: 2,
  CH: 2,
  IR: 2,
  TN: 2,
  CR: 1,
  RS: 1,
  CM: 1,
  GH: 1,
  NG: 1,
  EG: 1,
  IT: 2,
};

const NEIGHBOURS: [string, string][] = [
  ['AR', 'UY'],
  ['AR', 'BR'],
  ['BR', 'UY'],
  ['EC', 'CO'],
  ['EC', 'PE'],
  ['AR', 'CL'],
  ['US', 'MX'],
  ['US', 'CA'],
  ['MX', 'CR'],
  ['ES', 'PT'],
  ['FR', 'BE'],
  ['DE', 'NL'],
  ['DE', 'PL'],
  ['DK', 'DE'],
  ['HR', 'RS'],
  ['CH', 'DE'],
  ['KR', 'JP'],
  ['SA', 'QA'],
  ['MA', 'TN'],
  ['SN', 'GH'],
  ['CM', 'NG'],
  ['IT', 'CH'],
  ['IT', 'FR'],
  ['CN', 'KR'],
];

const DIASPORA: Record<string, Record<string, number>> = {
  US: { MX: 3, KR: 1, GB: 1, PL: 0.8, IR: 0.8 },
  FR: { MA: 3, SN: 2.5, TN: 2.5, PT: 2, CM: 2 },
  GB: { GH: 1.2, PL: 1, IR: 0.8, PT: 0.6 },
  DE: { PL: 2, RS: 2, HR: 2, TN: 0.8 },
  ES: { MA: 2, AR: 1.5, EC: 1.5, UY: 1 },
  BE: { MA: 3, CM: 1 },
  NL: { MA: 3, GH: 0.8 },
  CA: { PT: 1.5, HR: 1, KR: 0.8 },
  AU: { HR: 2, RS: 1.5, GB: 1.5 },
  QA: { TN: 1.5, MA: 1.5, SA: 1 },
  SA: { MA: 1, TN: 1 },
  JP: { BR: 1.5 },
  IN: { GB: 1.2, QA: 0.8 },
  CH: { PT: 2, RS: 1.5, HR: 1 },
};

const STARS: Record<string, number> = {
  BR: 1.2,
  AR: 1.2,
  FR: 1,
  GB: 0.8,
  PT: 0.8,
  ES: 0.6,
  DE: 0.6,
};

/** mulberry32: a tiny seeded generator, so the same seed gives the same history. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function teamAffinity(fanCountry: string, team: string): number {
  const country = teamCountry(team);
  if (!country) return 0;
  let score = STARS[country] ?? 0;
  if (country === fanCountry) score += 5;
  if (
    NEIGHBOURS.some(
      ([a, b]) => (a === fanCountry && b === country) || (b === fanCountry && a === country),
    )
  )
    score += 3;
  score += DIASPORA[fanCountry]?.[country] ?? 0;
  if (regionOf(fanCountry) === regionOf(country)) score += 2;
  return score;
}

export interface SyntheticOptions {
  seed?: number;
  fans?: number;
  /** Purchases happen between these two instants. */
  from?: Date;
  to?: Date;
}

/** Events (users, matches, completed orders) of a synthetic history, in time order. */
export function syntheticHistory(
  matches: SyntheticMatch[],
  options: SyntheticOptions = {},
): EventEnvelope[] {
  const random = seededRandom(options.seed ?? 42);
  const fans = options.fans ?? 4000;
  const from = (options.from ?? new Date('2022-09-01T00:00:00Z')).getTime();
  const to = (options.to ?? new Date('2022-11-19T00:00:00Z')).getTime();
  const countries = Object.entries(FAN_COUNTRIES);
  const totalWeight = countries.reduce((s, [, w]) => s + w, 0);
  const pickCountry = () => {
    let r = random() * totalWeight;
    for (const [c, w] of countries) if ((r -= w) < 0) return c;
    return countries[0]![0];
  };
  const gumbel = () => -Math.log(-Math.log(random() + 1e-12) + 1e-12);
  const events: EventEnvelope[] = [];
  const at = (t: number) => new Date(Math.round(t));

  for (const m of matches) {
    events.push(
      ticketsEvents.matchPublished.create(
        {
          matchNumber: m.matchNumber,
          roundNumber: m.roundNumber,
          kickOff: new Date(m.dateUtc).toISOString(),
          venue: m.location,
          homeTeam: m.homeTeam,
          awayTeam: m.awayTeam,
          group: m.group ?? null,
          version: 1,
        },
        {
          id: deterministicId('synthetic-match', String(m.matchNumber)),
          occurredAt: at(from - 86_400_000),
        },
      ),
    );
  }

  for (let i = 0; i < fans; i += 1) {
    const country = pickCountry();
    const userId = deterministicId('synthetic-fan', String(options.seed ?? 42), String(i));
    const joined = from + random() * (to - from) * 0.5;
    events.push(
      authEvents.userCreated.create(
        {
          id: userId,
          email: `fan${i}@synthetic.example`,
          displayName: `Synthetic fan ${i}`,
          country,
          role: 'fan',
          version: 0,
        },
        { id: deterministicId('synthetic-user', userId), occurredAt: at(joined) },
      ),
    );
    const followed = new Set<string>();
    const bought = new Set<number>();
    const purchases = 1 + Math.min(6, Math.floor(-Math.log(1 - random()) * 2.2));
    let t = joined;
    for (let k = 0; k < purchases; k += 1) {
      t += random() * (to - t) * 0.5;
      let choice: SyntheticMatch | undefined;
      if (random() < 0.15) {
        choice = matches[Math.floor(random() * matches.length)];
      } else {
        let best = -Infinity;
        for (const m of matches) {
          if (bought.has(m.matchNumber)) continue;
          const a = teamAffinity(country, m.homeTeam);
          const b = teamAffinity(country, m.awayTeam);
          const follow = (followed.has(m.homeTeam) ? 2 : 0) + (followed.has(m.awayTeam) ? 2 : 0);
          const utility = Math.max(a, b) + 0.3 * Math.min(a, b) + follow + gumbel();
          if (utility > best) {
            best = utility;
            choice = m;
          }
        }
      }
      if (!choice || bought.has(choice.matchNumber)) continue;
      bought.add(choice.matchNumber);
      // A fan follows the side they came for, not its opponent.
      const home = teamAffinity(country, choice.homeTeam);
      const away = teamAffinity(country, choice.awayTeam);
      if (Math.max(home, away) > 0) followed.add(home >= away ? choice.homeTeam : choice.awayTeam);
      const orderId = deterministicId('synthetic-order', userId, String(k));
      const quantity = 1 + Math.floor(random() * 4);
      const category = 1 + Math.floor(random() * 3);
      events.push(
        ordersEvents.orderCompleted.create(
          {
            id: orderId,
            userId,
            kind: 'primary',
            matchNumber: choice.matchNumber,
            category,
            quantity,
            ticketId: null,
            amountCents: quantity * [0, 22000, 16500, 6900][category]!,
            currency: 'USD',
            status: 'complete',
            expiresAt: at(t + 900_000).toISOString(),
            version: 2,
            paymentId: deterministicId('synthetic-payment', orderId),
          },
          { id: orderId, occurredAt: at(t) },
        ),
      );
    }
  }
  return events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
}
