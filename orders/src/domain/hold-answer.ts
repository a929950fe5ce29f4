import { AppError, type HoldResponse } from '@ticketaka/common';
import type { OrderRecord, TransitionChanges } from '../data-access/order.repository';
import { NotEnoughTicketsError } from './order-errors';

/** Tickets' answers that mean "nothing was held for this request". */
const REFUSALS = [400, 403, 404, 422];

/** What tickets held, as the order records it: the price is the server's, never the client's. */
export type HeldTerms = Required<
  Pick<
    TransitionChanges,
    'matchNumber' | 'category' | 'quantity' | 'unitPriceCents' | 'amountCents' | 'currency'
  >
> &
  Pick<TransitionChanges, 'listingId'>;

export type TicketsAnswer = { answer: HoldResponse } | { failure: unknown };

export type HoldAnswerDecision =
  /** Payable now (orders.order.created); a resale order first checks the fan limit. */
  | { kind: 'await_payment'; held: HeldTerms; checkFanLimit: boolean }
  /** Partner sync: held here, payable only once the partner log confirms it. */
  | { kind: 'tentative'; held: HeldTerms }
  /**
   * Nothing held. `delete` when no other request for the order may still be deciding in
   * tickets; otherwise `cancel`, announced, so tickets releases whatever it ends up holding.
   */
  | { kind: 'refused'; error: AppError; end: 'delete' | 'cancel' }
  /** No answer: a hold may or may not exist; the order stays `created` and remembers it. */
  | { kind: 'unanswered'; failure: unknown };

/**
 * What tickets' answer to a hold request does to a `created` order. Pure: `order` is the
 * order as it stands once this request is no longer counted in flight.
 */
export function decideHoldAnswer(
  order: OrderRecord,
  outcome: TicketsAnswer,
  config: { PARTNER_SYNC: boolean },
): HoldAnswerDecision {
  const end = !order.holdUncertain && order.holdRequestsInFlight === 0 ? 'delete' : 'cancel';
  if ('failure' in outcome) {
    const { failure } = outcome;
    // Tickets refused the request itself (unknown match, not for sale, own listing): nothing
    // is held. Anything else (a 409 included) may hide a hold: the order stays.
    if (failure instanceof AppError && REFUSALS.includes(failure.status))
      return { kind: 'refused', error: failure, end };
    return { kind: 'unanswered', failure };
  }
  const { answer } = outcome;
  if (!answer.held) {
    return {
      kind: 'refused',
      error: new NotEnoughTicketsError(answer.available, answer.reason),
      end,
    };
  }
  assertAnswerMatches(order, answer);
  const held: HeldTerms = {
    matchNumber: answer.matchNumber,
    category: answer.category,
    quantity: answer.quantity,
    listingId: answer.listingId,
    unitPriceCents: answer.unitPriceCents,
    amountCents: answer.amountCents,
    currency: answer.currency,
  };
  // Resale moves no shared counts, so partners never order it: only primary holds wait.
  if (config.PARTNER_SYNC && order.kind === 'primary') return { kind: 'tentative', held };
  // Only now is a resale ticket's match known, so only now can its fan limit be checked.
  return { kind: 'await_payment', held, checkFanLimit: order.kind === 'resale' };
}

/** A hold for something other than what was asked is a bug; the order is left for the sweeper. */
function assertAnswerMatches(
  order: OrderRecord,
  answer: Extract<HoldResponse, { held: true }>,
): void {
  const same =
    answer.orderId === order.id &&
    (order.kind === 'resale'
      ? answer.ticketId === order.ticketId && answer.quantity === 1
      : answer.matchNumber === order.matchNumber &&
        answer.category === order.category &&
        answer.quantity === order.quantity);
  if (!same) throw new Error(`tickets answered a hold that does not match order ${order.id}`);
}
