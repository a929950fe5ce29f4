import {
  appendToOutbox,
  ConflictError,
  inTransaction,
  NotFoundError,
  PARTNER_SALE_REFUSALS,
  type PartnerSaleRequest,
  type PartnerSaleResponse,
  type Pool,
  type PoolClient,
} from '@ticketaka/common';
import {
  findInventory,
  partnerHold,
  partnerRelease,
  partnerSell,
} from '../data-access/inventory.repository';
import { availabilityOf, inventoryChanged, type Inventory } from './inventory';

/**
 * A partner message that would make the counts impossible (holding more than is left, or
 * reserving / cancelling more than partners hold). Nothing was changed and the message key
 * was not recorded, so the bridge can retry it later (it may have overtaken its PENDING)
 * or dead-letter it.
 */
export class PartnerSaleRefusedError extends ConflictError {
  constructor(code: string, message: string) {
    super(message, code);
    this.name = 'PartnerSaleRefusedError';
  }
}

const respond = (inventory: Inventory, applied: boolean): PartnerSaleResponse => {
  const { available, pending } = availabilityOf(inventory);
  return {
    applied,
    matchNumber: inventory.matchNumber,
    category: inventory.category,
    available: Math.max(0, available),
    pending: Math.max(0, pending),
    version: inventory.version,
  };
};

async function applyAction(
  client: PoolClient,
  sale: PartnerSaleRequest,
): Promise<Inventory | undefined> {
  switch (sale.action) {
    case 'TICKET_PENDING':
      return partnerHold(client, sale.matchNumber, sale.category, sale.quantity);
    case 'TICKET_RESERVED':
      return partnerSell(client, sale.matchNumber, sale.category, sale.quantity);
    case 'TICKET_CANCELLED':
      return partnerRelease(client, sale.matchNumber, sale.category, sale.quantity);
    default: {
      const unknown: never = sale.action;
      throw new Error(`unknown partner action ${String(unknown)}`);
    }
  }
}

/**
 * Applies one partner sale message to the shared counts, once per message key: the key is
 * recorded in the same transaction as the change, and the change is one conditional UPDATE.
 */
export async function applyPartnerSale(
  deps: { pool: Pool; schema: string },
  sale: PartnerSaleRequest,
): Promise<PartnerSaleResponse> {
  return inTransaction(deps.pool, async (client) => {
    const { rowCount } = await client.query(
      `INSERT INTO applied_partner_messages (message_key, action, match_number, category, quantity)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (message_key) DO NOTHING`,
      [sale.messageKey, sale.action, sale.matchNumber, sale.category, sale.quantity],
    );
    const current = await findInventory(client, sale.matchNumber, sale.category);
    if (!current) {
      throw new NotFoundError(
        `Match ${sale.matchNumber} has no category ${sale.category}`,
        'category_not_found',
      );
    }
    if (rowCount === 0) return respond(current, false);

    const changed = await applyAction(client, sale);
    if (!changed) {
      const { pending } = availabilityOf(current);
      throw sale.action === 'TICKET_PENDING'
        ? new PartnerSaleRefusedError(
            PARTNER_SALE_REFUSALS.notEnoughTickets,
            `A partner holds ${sale.quantity} of match ${sale.matchNumber} category ${sale.category}, but only ${Math.max(0, pending)} are left`,
          )
        : new PartnerSaleRefusedError(
            PARTNER_SALE_REFUSALS.exceedsPartnerHolds,
            `${sale.action} of ${sale.quantity} for match ${sale.matchNumber} category ${sale.category}, but partners hold ${current.partnerHeld}`,
          );
    }
    await appendToOutbox(client, deps.schema, [inventoryChanged(changed)]);
    return respond(changed, true);
  });
}
