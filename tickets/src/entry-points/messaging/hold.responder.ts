import { HOLD_SUBJECT, holdRequestSchema, type ServiceRuntime } from '@ticketaka/common';
import { createHoldPlacer } from '../../domain/place-hold.use-case';

/** Orders asks for a hold and waits for the answer (NATS request/reply, shared by replicas). */
export function serveHolds(runtime: ServiceRuntime): void {
  const placeHold = createHoldPlacer(runtime);
  runtime.bus.reply(HOLD_SUBJECT, holdRequestSchema, placeHold);
}
