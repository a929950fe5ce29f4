import {
  appendToOutbox,
  inTransaction,
  ticketsEvents,
  masterListMatchSchema,
  type LoadMasterListResult,
  type MasterListMatch,
  type Pool,
} from '@ticketaka/common';
import { z } from 'zod';
import { insertInventoryIfMissing } from '../data-access/inventory.repository';
import { findMatch, upsertMatch } from '../data-access/match.repository';
import { inventoryChanged } from './inventory';

export { masterListMatchSchema, type MasterListMatch };
export const masterListSchema = z.array(masterListMatchSchema).min(1);

/** "TBA", or a bracket slot such as "1A", "2B", "W49", "L61": not a real team or venue yet. */
export function isPlaceholder(value: string): boolean {
  return /^(TBA|TBD|[12][A-H]|[WL]\d{1,2})$/i.test(value.trim());
}

const CATEGORIES = ['category1', 'category2', 'category3'] as const;

const matchPublishedEvent = (match: NonNullable<Awaited<ReturnType<typeof findMatch>>>) =>
  ticketsEvents.matchPublished.create({
    matchNumber: match.matchNumber,
    roundNumber: match.roundNumber,
    kickOff: match.kickOff.toISOString(),
    venue: match.venue,
    homeTeam: match.homeTeam,
    awayTeam: match.awayTeam,
    group: match.group,
    version: match.version,
  });

/**
 * Loads parsed master-list matches (either wire shape; see masterListMatchSchema).
 * Loading the same list twice equals loading it once: a match's details are refreshed
 * (without turning known names back into placeholders), while a category that exists keeps
 * its counts, since tickets may already be held or sold. Only new categories announce
 * `tickets.inventory.changed`; a new or changed match announces `tickets.match.published`. The initial list's `pending` is ignored: the organiser
 * publishes `pending: 0` for unsold matches, and a fresh list carries no holds, so the
 * capacity of a category is its `available` (or `count`).
 * The start-up seed and the kafka-bridge (through `rpc.tickets.load-master-list`) share it.
 */
export async function loadMasterList(
  deps: { pool: Pool; schema: string },
  matches: MasterListMatch[],
  currency = 'USD',
): Promise<LoadMasterListResult> {
  const result: LoadMasterListResult = {
    matchesCreated: 0,
    matchesUpdated: 0,
    categoriesCreated: 0,
  };
  // In match-number order, so two loaders running at once lock rows in the same order.
  const ordered = [...matches].sort((a, b) => a.matchNumber - b.matchNumber);
  await inTransaction(deps.pool, async (client) => {
    const events = [];
    for (const match of ordered) {
      const outcome = await upsertMatch(
        client,
        {
          matchNumber: match.matchNumber,
          roundNumber: match.roundNumber,
          kickOff: match.dateUtc,
          venue: match.location,
          homeTeam: match.homeTeam,
          awayTeam: match.awayTeam,
          group: match.group,
        },
        {
          venue: isPlaceholder(match.location) ? null : match.location,
          homeTeam: isPlaceholder(match.homeTeam) ? null : match.homeTeam,
          awayTeam: isPlaceholder(match.awayTeam) ? null : match.awayTeam,
        },
      );
      if (outcome === 'created') result.matchesCreated += 1;
      if (outcome === 'updated') result.matchesUpdated += 1;
      if (outcome !== 'unchanged') {
        const stored = await findMatch(client, match.matchNumber);
        if (stored) events.push(matchPublishedEvent(stored));
      }
      for (const [index, key] of CATEGORIES.entries()) {
        const category = match.availability[key];
        if (!category) continue;
        const created = await insertInventoryIfMissing(client, {
          matchNumber: match.matchNumber,
          category: index + 1,
          priceCents: category.priceCents,
          currency,
          capacity: category.capacity,
        });
        if (created) {
          result.categoriesCreated += 1;
          events.push(inventoryChanged(created));
        }
      }
    }
    await appendToOutbox(client, deps.schema, events);
  });
  return result;
}
