import { paymentsEvents, type ServiceRuntime } from '@ticketaka/common';
import { applyPaymentSucceeded } from '../../domain/complete-order.use-case';

export const consumePaymentSucceeded = (runtime: ServiceRuntime) =>
  runtime.consume(paymentsEvents.paymentSucceeded, (event, tx) =>
    applyPaymentSucceeded(runtime, tx, event),
  );
