import { ticketsEvents, type ServiceRuntime } from '@ticketaka/common';
import type { OrdersConfig } from '../../config';
import {
  settleHoldConfirmed,
  settleHoldReleased,
} from '../../domain/settle-partner-decision.use-case';

/** The partner log's decision on a hold (partner sync): payable, or void. */
export async function consumeHoldDecisions(runtime: ServiceRuntime<OrdersConfig>) {
  await runtime.consume(ticketsEvents.holdConfirmed, (event, tx) =>
    settleHoldConfirmed(runtime, tx, event.data.orderId),
  );
  await runtime.consume(ticketsEvents.holdReleased, (event, tx) =>
    settleHoldReleased(runtime, tx, event.data.orderId),
  );
}
