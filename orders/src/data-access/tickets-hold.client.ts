import {
  HOLD_SUBJECT,
  holdResponseSchema,
  type EventBus,
  type HoldRequest,
  type HoldResponse,
} from '@ticketaka/common';

/**
 * Asks tickets, the owner of inventory, for a hold keyed by the order id. Asking again for
 * the same order returns the same hold, so a retry never holds twice. Tickets' own errors
 * (unknown match → 404) are re-thrown here as they were raised there.
 */
export function requestHold(
  bus: EventBus,
  request: HoldRequest,
  timeoutMs: number,
): Promise<HoldResponse> {
  return bus.request(HOLD_SUBJECT, request, holdResponseSchema, timeoutMs);
}
