import { HOLD_SUBJECT, holdRequestSchema, type ServiceRuntime } from '@ticketaka/common';
import { placeHold } from '../../domain/place-hold.use-case';

/** Orders asks for a hold and waits for the answer (NATS request/reply, shared by replicas). */
export function serveHolds(runtime: ServiceRuntime): void {
  runtime.bus.reply(HOLD_SUBJECT, holdRequestSchema, (request) => placeHold(runtime, request));
}
