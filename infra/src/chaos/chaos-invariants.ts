import type { Client } from 'pg';
import type { EventBus } from '@ticketaka/common';

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
  // The provider's own books (the sandbox keeps them as Stripe would): money taken and not
  // given back must have bought a complete order with all its tickets, whatever payments'
  // rows say. Catches a charge our side never recorded as well as one it lost track of.
  for (const r of await rows(
    `SELECT i.id AS intent, i.metadata->>'ticketaka_order_id' AS order_id, i.amount_cents, i.amount_refunded,
            o.status AS order_status, o.quantity,
            (SELECT count(*) FROM tickets.tickets t WHERE t.order_id = o.id)::int AS tickets
     FROM payments.sandbox_intents i
     LEFT JOIN orders.orders o ON o.id::text = i.metadata->>'ticketaka_order_id'
     WHERE i.status = 'succeeded' AND i.amount_refunded < i.amount_cents`,
  )) {
    if (r.order_status !== 'complete' || r.tickets !== r.quantity)
      violations.push(`provider charged without tickets or refund: ${JSON.stringify(r)}`);
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

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * Everything the databases know about the orders named in the violations: the order, its
 * payment, its hold, every outbox row about it in each service, and which consumers
 * recorded those events in their inbox. Enough to tell a lost publish from a lost apply.
 */
export async function explainViolations(
  db: Client,
  bus: EventBus,
  violations: string[],
): Promise<string> {
  const ids = [...new Set(violations.flatMap((v) => v.match(UUID) ?? []))].slice(0, 10);
  const out: string[] = [];
  // Where each event landed in JetStream (by its message id), and how far each durable acked.
  const stored = new Map<string, string>();
  for (const producer of ['orders', 'payments', 'tickets', 'expiration']) {
    const stream = bus.streamName(producer);
    const info = await bus.jsm.streams.info(stream).catch(() => undefined);
    if (!info) continue;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
      const msg = await bus.jsm.streams.getMessage(stream, { seq }).catch(() => null);
      const id = msg?.header?.get('Nats-Msg-Id');
      if (msg && id) stored.set(id, `${stream}#${seq} at ${msg.time.toISOString()}`);
    }
    for await (const c of bus.jsm.consumers.list(stream))
      out.push(
        `durable ${stream}/${c.name}: delivered ${c.delivered.stream_seq}, ack floor ${c.ack_floor.stream_seq}, pending ${c.num_pending}, ack pending ${c.num_ack_pending}, redelivered ${c.num_redelivered}`,
      );
  }
  const q = async (sql: string, params: unknown[]) => {
    try {
      return (await db.query(sql, params)).rows;
    } catch (error) {
      return [{ error: (error as Error).message }];
    }
  };
  for (const id of ids) {
    out.push(`--- order ${id}`);
    out.push(
      `orders.orders: ${JSON.stringify(await q('SELECT * FROM orders.orders WHERE id = $1', [id]))}`,
    );
    out.push(
      `payments.orders: ${JSON.stringify(await q('SELECT * FROM payments.orders WHERE id = $1', [id]))}`,
    );
    out.push(
      `payments.payments: ${JSON.stringify(await q('SELECT * FROM payments.payments WHERE order_id = $1', [id]))}`,
    );
    out.push(
      `tickets.holds: ${JSON.stringify(await q('SELECT * FROM tickets.holds WHERE order_id = $1', [id]))}`,
    );
    out.push(
      `tickets.ended_orders: ${JSON.stringify(await q('SELECT * FROM tickets.ended_orders WHERE order_id = $1', [id]))}`,
    );
    for (const schema of ['orders', 'payments', 'tickets', 'expiration']) {
      const rows = await q(
        `SELECT seq, id, type, created_at, published_at, attempts, last_error, payload->'data'->>'version' AS version
         FROM ${schema}.outbox WHERE payload::text LIKE $1 ORDER BY seq`,
        [`%${id}%`],
      );
      for (const row of rows) {
        const seen = row.id
          ? await q(
              `SELECT 'orders' AS schema, consumer, processed_at FROM orders.processed_events WHERE event_id = $1
               UNION ALL SELECT 'tickets', consumer, processed_at FROM tickets.processed_events WHERE event_id = $1
               UNION ALL SELECT 'payments', consumer, processed_at FROM payments.processed_events WHERE event_id = $1
               UNION ALL SELECT 'expiration', consumer, processed_at FROM expiration.processed_events WHERE event_id = $1`,
              [row.id],
            )
          : [];
        out.push(
          `${schema}.outbox: ${JSON.stringify(row)} stored: ${stored.get(row.id) ?? 'NOT IN JETSTREAM'} inbox: ${JSON.stringify(seen)}`,
        );
      }
    }
  }
  return out.join('\n');
}
