import type { Pool } from '@ticketaka/common';
import type { AdminPaymentStats } from '@ticketaka/contracts';
import {
  countPaymentsByStatus,
  countPaymentsPerHour,
} from '../data-access/payment-stats.repository';

export async function paymentStats(db: Pool, hours: number): Promise<AdminPaymentStats> {
  const [byStatus, timeline] = await Promise.all([
    countPaymentsByStatus(db),
    countPaymentsPerHour(db, hours),
  ]);
  return { byStatus, timeline, hours };
}
