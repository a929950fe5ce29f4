import {
  PARTNER_SALE_SUBJECT,
  partnerSaleRequestSchema,
  type ServiceRuntime,
} from '@ticketaka/common';
import { applyPartnerSale } from '../../domain/apply-partner-sale.use-case';

/** The kafka-bridge hands each partner sale to the owner of the counts and learns the outcome. */
export function servePartnerSales(runtime: ServiceRuntime): void {
  runtime.bus.reply(PARTNER_SALE_SUBJECT, partnerSaleRequestSchema, (sale) =>
    applyPartnerSale(runtime, sale),
  );
}
