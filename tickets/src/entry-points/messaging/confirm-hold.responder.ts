import {
  CONFIRM_HOLD_SUBJECT,
  confirmHoldRequestSchema,
  type ServiceRuntime,
} from '@ticketaka/common';
import { confirmHold } from '../../domain/confirm-hold.use-case';

/** The kafka-bridge tells tickets how the partner log decided each of our holds. */
export function serveHoldConfirmations(runtime: ServiceRuntime): void {
  runtime.bus.reply(CONFIRM_HOLD_SUBJECT, confirmHoldRequestSchema, (request) =>
    confirmHold(runtime, request),
  );
}
