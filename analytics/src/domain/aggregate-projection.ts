import {
  authEvents,
  ordersEvents,
  paymentsEvents,
  ticketsEvents,
  type EventOf,
} from '@ticketaka/common';
import { DEAD_LETTER_TYPE, type LakeEvent } from './lake-event';

type Data<D> = EventOf<D>['data'];

/**
 * What one batch of new events changes in the aggregate store, computed without I/O.
 * Counters are sums, so they commute and arrival order does not matter; the latest-state
 * projections (matches, inventory counts) keep the highest entity version.
 */
export interface AggregateDeltas {
  eventCounts: Map<string, { count: number; last: string }>;
  matches: Map<number, Data<typeof ticketsEvents.matchPublished>>;
  inventory: Map<string, Data<typeof ticketsEvents.inventoryChanged> & { at: string }>;
  categories: Map<
    string,
    {
      matchNumber: number;
      category: number;
      held: number;
      sold: number;
      revenueCents: number;
      firstHoldAt: string | null;
    }
  >;
  funnel: Map<string, number>;
  timeline: Map<string, number>;
  money: Map<string, { count: number; amountCents: number }>;
  deadLetters: Map<string, number>;
  verdicts: Map<string, number>;
  fans: Map<string, string>;
  purchases: Map<string, number>;
}

export const emptyDeltas = (): AggregateDeltas => ({
  eventCounts: new Map(),
  matches: new Map(),
  inventory: new Map(),
  categories: new Map(),
  funnel: new Map(),
  timeline: new Map(),
  money: new Map(),
  deadLetters: new Map(),
  verdicts: new Map(),
  fans: new Map(),
  purchases: new Map(),
});

const add = (map: Map<string, number>, key: string, by = 1) =>
  map.set(key, (map.get(key) ?? 0) + by);
const hourOf = (iso: string) => `${iso.slice(0, 13)}:00:00.000Z`;
const earlier = (a: string | null, b: string) => (a === null || b < a ? b : a);

export function projectBatch(events: LakeEvent[]): AggregateDeltas {
  const d = emptyDeltas();
  const category = (matchNumber: number, cat: number) => {
    const key = `${matchNumber}:${cat}`;
    let row = d.categories.get(key);
    if (!row) {
      row = { matchNumber, category: cat, held: 0, sold: 0, revenueCents: 0, firstHoldAt: null };
      d.categories.set(key, row);
    }
    return row;
  };
  const funnel = (stage: string, reason = '') => add(d.funnel, `${stage}|${reason}`);
  const timeline = (e: LakeEvent, status: string) =>
    add(d.timeline, `${hourOf(e.occurredAt)}|${status}`);
  const money = (kind: string, amountCents: number) => {
    const row = d.money.get(kind) ?? { count: 0, amountCents: 0 };
    d.money.set(kind, { count: row.count + 1, amountCents: row.amountCents + amountCents });
  };

  for (const e of events) {
    const counted = d.eventCounts.get(e.type) ?? { count: 0, last: e.occurredAt };
    d.eventCounts.set(e.type, {
      count: counted.count + 1,
      last: e.occurredAt > counted.last ? e.occurredAt : counted.last,
    });
    switch (e.type) {
      case ticketsEvents.matchPublished.type: {
        const m = e.data as Data<typeof ticketsEvents.matchPublished>;
        const known = d.matches.get(m.matchNumber);
        if (!known || known.version < m.version) d.matches.set(m.matchNumber, m);
        break;
      }
      case ticketsEvents.inventoryChanged.type: {
        const i = e.data as Data<typeof ticketsEvents.inventoryChanged>;
        const key = `${i.matchNumber}:${i.category}`;
        const known = d.inventory.get(key);
        if (!known || known.version < i.version) d.inventory.set(key, { ...i, at: e.occurredAt });
        break;
      }
      case ticketsEvents.holdPlaced.type: {
        const h = e.data as Data<typeof ticketsEvents.holdPlaced>;
        const row = category(h.matchNumber, h.category);
        row.held += h.quantity;
        row.firstHoldAt = earlier(row.firstHoldAt, e.occurredAt);
        break;
      }
      case ticketsEvents.holdReleased.type: {
        const h = e.data as Data<typeof ticketsEvents.holdReleased>;
        category(h.matchNumber, h.category).held -= h.quantity;
        break;
      }
      case ticketsEvents.holdSold.type: {
        const h = e.data as Data<typeof ticketsEvents.holdSold>;
        const row = category(h.matchNumber, h.category);
        row.held -= h.quantity;
        row.sold += h.quantity;
        break;
      }
      case ordersEvents.orderCreated.type:
        funnel('held');
        timeline(e, 'awaiting_payment');
        break;
      case ordersEvents.orderCompleted.type: {
        const o = e.data as Data<typeof ordersEvents.orderCompleted>;
        funnel('paid');
        timeline(e, 'complete');
        money(o.kind === 'primary' ? 'revenue' : 'resale', o.amountCents);
        if (o.kind === 'primary') category(o.matchNumber, o.category).revenueCents += o.amountCents;
        add(d.purchases, `${o.userId}|${o.matchNumber}`, o.quantity);
        break;
      }
      case ordersEvents.orderExpired.type:
        funnel('expired');
        timeline(e, 'expired');
        break;
      case ordersEvents.orderCancelled.type: {
        const o = e.data as Data<typeof ordersEvents.orderCancelled>;
        funnel('cancelled', o.reason);
        timeline(e, 'cancelled');
        break;
      }
      case ordersEvents.orderRefused.type: {
        const o = e.data as Data<typeof ordersEvents.orderRefused>;
        funnel('refused', o.reason);
        timeline(e, 'refused');
        break;
      }
      case paymentsEvents.paymentSucceeded.type:
        money('payments', (e.data as Data<typeof paymentsEvents.paymentSucceeded>).amountCents);
        break;
      case paymentsEvents.paymentRefunded.type:
        money('refunds', (e.data as Data<typeof paymentsEvents.paymentRefunded>).amountCents);
        break;
      case authEvents.userCreated.type: {
        const u = e.data as Data<typeof authEvents.userCreated>;
        d.fans.set(u.id, u.country.toUpperCase());
        break;
      }
      case DEAD_LETTER_TYPE: {
        const letter = e.data as { consumer: string; subject: string };
        add(d.deadLetters, `${letter.consumer}|${letter.subject}`);
        break;
      }
      default:
        // The security service's verdicts: security.request.<kind>, with a reason each.
        if (e.type.startsWith('security.request.')) {
          const reason = (e.data as { reason?: unknown }).reason;
          add(d.verdicts, `${e.type.slice(17)}|${typeof reason === 'string' ? reason : ''}`);
        }
    }
  }
  return d;
}
