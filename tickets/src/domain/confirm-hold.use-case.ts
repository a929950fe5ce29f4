import {
  appendToOutbox,
  inTransaction,
  NotFoundError,
  type ConfirmHoldRequest,
  type ConfirmHoldResponse,
  type Logger,
  type Pool,
} from '@ticketaka/common';
import { findHold, grantHold, recordPartnerDecision } from '../data-access/hold.repository';
import { holdConfirmed } from './hold';
import { releaseHold } from './release-hold.use-case';

/**
 * Applies the partner log's decision about one of our holds (told by the kafka-bridge).
 * `granted`: the hold becomes `confirmed` (announced as tickets.hold.confirmed).
 * `void`: another platform took those seats first, so the hold is released like a
 * cancelled order's (tickets.hold.released + inventory). Idempotent per order id: a hold
 * that already moved on is reported as it is, with `changed: false`. A void decision for a
 * hold already sold cannot be undone here and is logged as an error.
 */
export async function confirmHold(
  deps: { pool: Pool; schema: string; logger: Logger },
  request: ConfirmHoldRequest,
): Promise<ConfirmHoldResponse> {
  const decision = {
    outcome: request.outcome,
    decidedAt: request.decidedAt,
    reason: request.reason,
  };
  return inTransaction(deps.pool, async (client) => {
    await recordPartnerDecision(client, request.orderId, decision);
    if (request.outcome === 'granted') {
      const granted = await grantHold(client, request.orderId);
      if (granted) {
        await appendToOutbox(client, deps.schema, [holdConfirmed(granted)]);
        return { orderId: request.orderId, status: 'confirmed', changed: true };
      }
    } else if ((await releaseHold(client, deps.schema, request.orderId)) === 'released') {
      return { orderId: request.orderId, status: 'released', changed: true };
    }
    const hold = await findHold(client, request.orderId);
    if (!hold) throw new NotFoundError(`No hold for order ${request.orderId}`, 'hold_not_found');
    if (request.outcome === 'void' && hold.status === 'sold') {
      deps.logger.error(
        { orderId: request.orderId, decidedAt: request.decidedAt },
        'the partner log voided a hold we already sold',
      );
    }
    return { orderId: request.orderId, status: hold.status, changed: false };
  });
}
