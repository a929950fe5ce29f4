import type { Pool } from '@ticketaka/common';
import type { AdminInventory } from '@ticketaka/contracts';
import { findAllInventory } from '../data-access/inventory.repository';
import { findMatches } from '../data-access/match.repository';
import { availabilityOf } from './inventory';

/** Every category's seats for the admin dashboard: sold and held here and on partners. */
export async function inventoryOverview(db: Pool): Promise<AdminInventory> {
  const [inventory, matches] = await Promise.all([findAllInventory(db), findMatches(db, {})]);
  const byNumber = new Map(matches.map((m) => [m.matchNumber, m]));
  const categories = inventory.flatMap((i) => {
    const match = byNumber.get(i.matchNumber);
    if (!match) return [];
    const { pending, state } = availabilityOf(i);
    return [
      {
        matchNumber: i.matchNumber,
        homeTeam: match.homeTeam,
        awayTeam: match.awayTeam,
        kickOff: match.kickOff.toISOString(),
        category: i.category,
        capacity: i.capacity,
        sold: i.sold,
        held: i.held,
        partnerSold: i.partnerSold,
        partnerHeld: i.partnerHeld,
        pending,
        state,
      },
    ];
  });
  return { categories };
}
