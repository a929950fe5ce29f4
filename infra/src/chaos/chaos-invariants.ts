import type { Client } from 'pg';

/** What the databases must show once every fault has passed and the platform settled. */
export async function checkInvariants(db: Client): Promise<string[]> {
  const violations: string[] = [];
  const rows = async (sql: string) => (await db.query(sql)).rows;

  for (const r of await rows(
    `SELECT match_number, category, capacity, sold, held, partner_held, partner_sold FROM tickets.inventory
     WHERE sold + held + partner_held + partner_sold > capacity`,
  ))
    violations.push(
      `oversold: match ${r.match_number} category ${r.category} (${JSON.stringify(r)})`,
    );

  // The counters are exactly the holds and tickets behind them.
  for (const r of await rows(
    `SELECT i.match_number, i.category, i.held, i.sold,
            coalesce((SELECT sum(h.quantity) FROM tickets.holds h WHERE h.kind = 'primary' AND h.status = 'held'
                      AND h.match_number = i.match_number AND h.category = i.category), 0)::int AS holds_held,
            coalesce((SELECT sum(h.quantity) FROM tickets.holds h WHERE h.kind = 'primary' AND h.status = 'sold'
                      AND h.match_number = i.match_number AND h.category = i.category), 0)::int AS holds_sold
     FROM tickets.inventory i`,
  )) {
    if (r.held !== r.holds_held || r.sold !== r.holds_sold)
      violations.push(`counters disagree with holds: ${JSON.stringify(r)}`);
  }

  // Every charged order has its tickets, or its money back.
  for (const r of await rows(
    `SELECT p.order_id, p.status AS payment, o.status AS order_status,
            (SELECT count(*) FROM tickets.tickets t WHERE t.order_id = p.order_id)::int AS tickets, o.quantity
     FROM payments.payments p LEFT JOIN orders.orders o ON o.id = p.order_id
     WHERE p.status = 'succeeded'`,
  )) {
    if (r.order_status !== 'complete' || r.tickets !== r.quantity)
      violations.push(`charged without tickets or refund: ${JSON.stringify(r)}`);
  }
  for (const r of await rows(
    `SELECT p.order_id, p.status FROM payments.payments p WHERE p.status = 'refund_pending'`,
  ))
    violations.push(`refund still pending: ${JSON.stringify(r)}`);

  // Every hold is sold or released, unless its order is still payable before its deadline.
  for (const r of await rows(
    `SELECT h.order_id, h.status, o.status AS order_status, o.expires_at
     FROM tickets.holds h LEFT JOIN orders.orders o ON o.id = h.order_id
     WHERE h.status = 'held' AND NOT (o.status = 'awaiting_payment' AND o.expires_at > now())`,
  ))
    violations.push(`hold neither sold nor released: ${JSON.stringify(r)}`);
  for (const r of await rows(
    `SELECT h.order_id, o.status AS order_status FROM tickets.holds h JOIN orders.orders o ON o.id = h.order_id
     WHERE h.status = 'sold' AND o.status <> 'complete'`,
  ))
    violations.push(`hold sold for an order that is not complete: ${JSON.stringify(r)}`);

  // Every order ended, or is still payable before its deadline.
  for (const r of await rows(
    `SELECT id, status, expires_at FROM orders.orders
     WHERE status = 'created' OR (status = 'awaiting_payment' AND expires_at < now() - interval '10 seconds')`,
  ))
    violations.push(`order neither ended nor payable: ${JSON.stringify(r)}`);

  // A complete order has its seats sold; an ended one has none held.
  for (const r of await rows(
    `SELECT o.id, o.status, h.status AS hold FROM orders.orders o LEFT JOIN tickets.holds h ON h.order_id = o.id
     WHERE (o.status = 'complete' AND h.status IS DISTINCT FROM 'sold')
        OR (o.status IN ('cancelled', 'expired') AND h.status = 'held')`,
  ))
    violations.push(`order and hold disagree: ${JSON.stringify(r)}`);
  return violations;
}
