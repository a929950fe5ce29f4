import { NotFoundError, type Pool } from '@ticketaka/common';
import { findInventoryOfMatches } from '../data-access/inventory.repository';
import { findMatch, findMatches, type MatchRecord } from '../data-access/match.repository';
import type { ListMatchesQuery } from './catalogue.schemas';
import type { MatchView } from '@ticketaka/contracts';
import { categoryView, type Inventory } from './inventory';

export type { MatchView };

function matchView(match: MatchRecord, inventory: Inventory[]): MatchView {
  return {
    matchNumber: match.matchNumber,
    roundNumber: match.roundNumber,
    kickOff: match.kickOff.toISOString(),
    venue: match.venue,
    homeTeam: match.homeTeam,
    awayTeam: match.awayTeam,
    group: match.group,
    categories: inventory.filter((i) => i.matchNumber === match.matchNumber).map(categoryView),
  };
}

/** The catalogue, ordered by kick-off, with each category's price, counts and state. */
export async function listMatches(db: Pool, query: ListMatchesQuery): Promise<MatchView[]> {
  const matches = await findMatches(db, query);
  const inventory = await findInventoryOfMatches(
    db,
    matches.map((m) => m.matchNumber),
  );
  return matches.map((m) => matchView(m, inventory));
}

export async function getMatch(db: Pool, matchNumber: number): Promise<MatchView> {
  const match = await findMatch(db, matchNumber);
  if (!match) throw new NotFoundError(`There is no match number ${matchNumber}`, 'match_not_found');
  return matchView(match, await findInventoryOfMatches(db, [matchNumber]));
}
