import type { ServiceRuntime } from '@ticketaka/common';
import type { PaymentsConfig } from '../config';
import type { PaymentRecord } from '../data-access/payment.repository';
import type { PaymentProvider } from './payment-provider';

/** Seams for fault-injection tests; production passes none. */
export interface PaymentsHooks {
  /** Runs after the provider answered a confirmation and before the answer is recorded. */
  afterConfirm?: (payment: PaymentRecord) => Promise<void>;
}

/** What the use cases work with; built once by the composition root. */
export interface PaymentsContext {
  runtime: ServiceRuntime<PaymentsConfig>;
  provider: PaymentProvider;
  /** Wakes the refund worker after a refund became due. */
  refunds: { kick(): void };
  hooks: PaymentsHooks;
}
