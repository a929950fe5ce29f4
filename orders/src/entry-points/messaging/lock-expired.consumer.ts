import { expirationEvents, type ServiceRuntime } from '@ticketaka/common';
import { expireOnTimer } from '../../domain/expire-order.use-case';

export const consumeLockExpired = (runtime: ServiceRuntime) =>
  runtime.consume(expirationEvents.expirationOrderExpired, (event, tx) =>
    expireOnTimer(runtime, tx, event.data.orderId),
  );
