import type { Pool } from '@ticketaka/common';
import { unplacedFacts } from '../data-access/hold-lots.repository';
import { ledgerCounts, ledgerHoldings, outcomeCounts } from '../data-access/ledger.repository';
import { outboundCounts } from '../data-access/outbound.repository';
import { fateCounts } from '../data-access/own-holds.repository';
import { backlogSize } from '../data-access/tickets-effects.repository';

/** The operators' view of partner sync: link state, ledger counts, what is still owed. */
export async function partnerSyncStatus(
  deps: { pool: Pool; phase: string; clientId: string; topics: object },
  matchNumber?: number,
) {
  const [messages, outbound, ownHolds, ticketsBacklog, categories, holdings, waitingFacts] =
    await Promise.all([
      outcomeCounts(deps.pool),
      outboundCounts(deps.pool),
      fateCounts(deps.pool),
      backlogSize(deps.pool),
      ledgerCounts(deps.pool, matchNumber),
      ledgerHoldings(deps.pool, matchNumber),
      unplacedFacts(deps.pool),
    ]);
  return {
    link: deps.phase,
    clientId: deps.clientId,
    topics: deps.topics,
    /** Consumed messages by ledger outcome (refused and invalid ones were dead-lettered). */
    messages,
    outbound,
    ownHolds,
    ticketsBacklog,
    /** Partner lines that arrived off their category's partition and wait for their place. */
    unplacedFacts: waitingFacts,
    ledger: categories.map((c) => ({
      ...c,
      holdings: holdings.filter(
        (h) => h.matchNumber === c.matchNumber && h.category === c.category,
      ),
    })),
  };
}
