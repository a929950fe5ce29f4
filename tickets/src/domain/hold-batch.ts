import type { HoldRequest } from '@ticketaka/common';
import type { HoldRecord } from '../data-access/hold.repository';

export type PrimaryHoldRequest = Extract<HoldRequest, { kind: 'primary' }>;

/** What one request of a group-committed batch gets; each request is all or nothing. */
export type BatchDecision =
  | { kind: 'grant' }
  /** The order already has this hold (a repeated request): the same answer again. */
  | { kind: 'repeat'; hold: HoldRecord }
  /** Asked twice in the same batch: answered with the hold granted to the first ask, if any. */
  | { kind: 'same-as-earlier' }
  | { kind: 'not_enough_tickets' }
  | { kind: 'order_ended' }
  | { kind: 'hold_mismatch' }
  | { kind: 'category_not_found' };

export interface BatchState {
  /** What new holds can take, read under the category's row lock; undefined: no such category. */
  pending: number | undefined;
  holds: ReadonlyMap<string, HoldRecord>;
  ended: ReadonlySet<string>;
}

/**
 * Decides a batch of primary hold requests for one category, in arrival order, exactly as
 * one-by-one decisions under the row lock would: each request takes its whole quantity or
 * nothing, and a request that does not fit does not stop a later, smaller one.
 */
export function decideHoldBatch(
  requests: readonly PrimaryHoldRequest[],
  state: BatchState,
): { decisions: BatchDecision[]; granted: number; pendingAfter: number } {
  let pending = state.pending ?? 0;
  let granted = 0;
  const seen = new Map<string, PrimaryHoldRequest>();
  const decisions = requests.map((request): BatchDecision => {
    if (state.ended.has(request.orderId)) return { kind: 'order_ended' };
    const existing = state.holds.get(request.orderId);
    if (existing)
      return sameHold(existing, request)
        ? { kind: 'repeat', hold: existing }
        : { kind: 'hold_mismatch' };
    const earlier = seen.get(request.orderId);
    if (earlier)
      return sameRequest(earlier, request)
        ? { kind: 'same-as-earlier' }
        : { kind: 'hold_mismatch' };
    seen.set(request.orderId, request);
    if (state.pending === undefined) return { kind: 'category_not_found' };
    if (request.quantity > pending) return { kind: 'not_enough_tickets' };
    pending -= request.quantity;
    granted += request.quantity;
    return { kind: 'grant' };
  });
  return { decisions, granted, pendingAfter: pending };
}

function sameHold(hold: HoldRecord, request: PrimaryHoldRequest): boolean {
  return (
    hold.kind === 'primary' &&
    hold.userId === request.userId &&
    hold.matchNumber === request.matchNumber &&
    hold.category === request.category &&
    hold.quantity === request.quantity
  );
}

function sameRequest(a: PrimaryHoldRequest, b: PrimaryHoldRequest): boolean {
  return a.userId === b.userId && a.quantity === b.quantity;
}
