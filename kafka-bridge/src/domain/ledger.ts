import type { SaleAction, SaleLine } from './wire-format';

/**
 * The partner ledger: a deterministic function of the ticket-sales log. Every Ticketaka
 * instance feeds it the same messages in the same (partition) order, so every instance
 * reaches the same decisions and the same counts — that is what lets the log decide who
 * was first when two platforms sell the last tickets (docs/partner-sync.md).
 *
 * Rules, per match category:
 * - TICKET_PENDING q is granted iff `pending >= q` at that point of the log (all lines of
 *   a message, or none); otherwise it is void and changes nothing for anyone.
 * - TICKET_RESERVED q / TICKET_CANCELLED q apply only to granted holds of the producing
 *   platform (`held >= q`); anything else is refused (a partner cannot sell or release
 *   what it never held).
 */
export interface CategoryCounts {
  matchNumber: number;
  category: number;
  capacity: number;
  /** Not yet sold anywhere. */
  available: number;
  /** Not yet sold or held anywhere. */
  pending: number;
}

export interface Holding {
  platform: string;
  matchNumber: number;
  category: number;
  /** Granted PENDING not yet reserved or cancelled. */
  held: number;
  sold: number;
}

export type LedgerDecision =
  | { outcome: 'granted' }
  | { outcome: 'void'; reason: string }
  | { outcome: 'applied' }
  | { outcome: 'refused'; code: 'unknown_match' | 'exceeds_holds'; reason: string };

export interface LedgerStep {
  decision: LedgerDecision;
  /** The counts and holdings to write; empty when nothing changes. */
  categories: CategoryCounts[];
  holdings: Holding[];
}

export const categoryId = (matchNumber: number, category: number) => `${matchNumber}/${category}`;

export function decide(
  sale: { action: SaleAction; platform: string; matchNumber: number; lines: SaleLine[] },
  categories: ReadonlyMap<string, CategoryCounts>,
  holdings: ReadonlyMap<string, Holding>,
): LedgerStep {
  const touched: { counts: CategoryCounts; holding: Holding; quantity: number }[] = [];
  for (const line of sale.lines) {
    const counts = categories.get(categoryId(sale.matchNumber, line.category));
    if (!counts) {
      return refuse(
        'unknown_match',
        `match ${sale.matchNumber} category ${line.category} is not on the master list`,
      );
    }
    const holding = holdings.get(categoryId(sale.matchNumber, line.category)) ?? {
      platform: sale.platform,
      matchNumber: sale.matchNumber,
      category: line.category,
      held: 0,
      sold: 0,
    };
    touched.push({ counts: { ...counts }, holding: { ...holding }, quantity: line.quantity });
  }

  switch (sale.action) {
    case 'TICKET_PENDING': {
      const short = touched.find((t) => t.counts.pending < t.quantity);
      if (short) {
        return unchanged({
          outcome: 'void',
          reason: `category ${short.counts.category} had ${short.counts.pending} left to hold, asked ${short.quantity}`,
        });
      }
      for (const t of touched) {
        t.counts.pending -= t.quantity;
        t.holding.held += t.quantity;
      }
      return changed({ outcome: 'granted' });
    }
    case 'TICKET_RESERVED':
    case 'TICKET_CANCELLED': {
      const short = touched.find((t) => t.holding.held < t.quantity);
      if (short) {
        const verb = sale.action === 'TICKET_RESERVED' ? 'reserve' : 'cancel';
        return refuse(
          'exceeds_holds',
          `${sale.platform} holds ${short.holding.held} in category ${short.counts.category}, cannot ${verb} ${short.quantity}`,
        );
      }
      for (const t of touched) {
        t.holding.held -= t.quantity;
        if (sale.action === 'TICKET_RESERVED') {
          t.holding.sold += t.quantity;
          t.counts.available -= t.quantity;
        } else {
          t.counts.pending += t.quantity;
        }
      }
      return changed({ outcome: 'applied' });
    }
    default: {
      const unreachable: never = sale.action;
      throw new Error(`unknown action ${String(unreachable)}`);
    }
  }

  function refuse(code: 'unknown_match' | 'exceeds_holds', reason: string): LedgerStep {
    return unchanged({ outcome: 'refused', code, reason });
  }
  function unchanged(decision: LedgerDecision): LedgerStep {
    return { decision, categories: [], holdings: [] };
  }
  function changed(decision: LedgerDecision): LedgerStep {
    return {
      decision,
      categories: touched.map((t) => t.counts),
      holdings: touched.map((t) => t.holding),
    };
  }
}
