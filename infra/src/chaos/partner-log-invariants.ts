import { Kafka, logLevel } from 'kafkajs';
import type { Client } from 'pg';

export interface LoggedMessage {
  partition: number;
  offset: string;
  clientId?: string;
  eventId?: string;
  holdId?: string;
  action?: string;
}

/** Every message of a topic from its first offset to its end as it is now. */
export async function readWholeTopic(brokers: string, topic: string): Promise<LoggedMessage[]> {
  const kafka = new Kafka({
    clientId: 'chaos-check',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Set(
    ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => e.partition),
  );
  const out: LoggedMessage[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `chaos-check-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} took over 60 s`)), 60_000);
    void consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          const header = (name: string) => message.headers?.[name]?.toString();
          let action: string | undefined;
          try {
            action = (JSON.parse(message.value?.toString() ?? '') as { meta?: { action?: string } })
              .meta?.action;
          } catch {
            action = undefined;
          }
          out.push({
            partition,
            offset: message.offset,
            clientId: header('clientId'),
            eventId: header('eventId'),
            holdId: header('holdId'),
            action,
          });
          const end = ends.find((e) => e.partition === partition);
          if (end && BigInt(message.offset) + 1n >= BigInt(end.high)) {
            remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out;
}

/**
 * What the partner log, the bridge's ledger and tickets must agree on once everything
 * settled: the bridge read the whole log and has nothing in flight; each of our changes is
 * in the log exactly once (a hold's PENDING, a sale's RESERVED, a granted hold's release's
 * CANCELLED); the ledger's counts are tickets' counts.
 */
export async function checkPartnerLog(
  db: Client,
  brokers: string,
  topic: string,
  clientId: string,
): Promise<{ violations: string[]; summary: string }> {
  const violations: string[] = [];
  const rows = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows;
  const log = await readWholeTopic(brokers, topic);

  const kafka = new Kafka({
    clientId: 'chaos-check',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const positions = await rows(
    'SELECT "partition", next_offset FROM kafka_bridge.partition_positions WHERE topic = $1',
    [topic],
  );
  for (const end of ends) {
    const read = positions.find((p) => p.partition === end.partition)?.next_offset ?? end.low;
    if (String(read) !== String(end.high))
      violations.push(
        `bridge has not read partition ${end.partition} to its end (${read} of ${end.high})`,
      );
  }
  const [inFlight] = await rows(
    `SELECT (SELECT count(*) FROM kafka_bridge.tickets_effects WHERE status = 'pending')::int AS effects,
            (SELECT count(*) FROM kafka_bridge.own_holds WHERE fate = 'unknown' OR fate_notified_at IS NULL)::int AS undecided,
            (SELECT count(*) FROM kafka_bridge.outbound_messages WHERE status = 'sending')::int AS sending`,
  );
  if (inFlight.effects + inFlight.undecided + inFlight.sending > 0)
    violations.push(`partner sync still in flight: ${JSON.stringify(inFlight)}`);

  const ours = log.filter((m) => m.clientId === clientId);
  const byEvent = new Map<string, LoggedMessage[]>();
  for (const m of ours)
    byEvent.set(m.eventId ?? '?', [...(byEvent.get(m.eventId ?? '?') ?? []), m]);
  for (const [eventId, copies] of byEvent)
    if (copies.length > 1)
      violations.push(
        `our change ${eventId} is in the log ${copies.length} times (${copies.map((c) => `${c.partition}:${c.offset}`).join(', ')})`,
      );
  const inLog = (holdId: string, action: string) =>
    ours.some((m) => m.holdId === holdId && m.action === action);
  const holds = await rows(
    `SELECT h.order_id, h.status, o.fate FROM tickets.holds h
     LEFT JOIN kafka_bridge.own_holds o ON o.order_id = h.order_id WHERE h.kind = 'primary'`,
  );
  for (const h of holds) {
    if (!inLog(h.order_id, 'TICKET_PENDING'))
      violations.push(`hold ${h.order_id} (${h.status}) never reached the partner log`);
    if (h.status === 'sold' && !inLog(h.order_id, 'TICKET_RESERVED'))
      violations.push(`sold hold ${h.order_id} has no TICKET_RESERVED in the log`);
    if (h.status === 'sold' && h.fate !== 'granted')
      violations.push(`hold ${h.order_id} sold although the log made it ${h.fate}`);
    if (h.status === 'released' && h.fate === 'granted' && !inLog(h.order_id, 'TICKET_CANCELLED'))
      violations.push(`released granted hold ${h.order_id} has no TICKET_CANCELLED in the log`);
  }

  for (const r of await rows(
    `SELECT l.match_number, l.category, l.capacity, l.available, l.pending,
            coalesce(sum(p.held), 0)::int AS held_all, coalesce(sum(p.sold), 0)::int AS sold_all,
            coalesce(sum(p.held) FILTER (WHERE p.platform = $1), 0)::int AS held_ours,
            coalesce(sum(p.sold) FILTER (WHERE p.platform = $1), 0)::int AS sold_ours,
            i.capacity AS t_capacity, i.sold AS t_sold, i.held AS t_held,
            i.partner_held AS t_partner_held, i.partner_sold AS t_partner_sold
     FROM kafka_bridge.ledger_categories l
     LEFT JOIN kafka_bridge.ledger_holdings p USING (match_number, category)
     LEFT JOIN tickets.inventory i USING (match_number, category)
     GROUP BY l.match_number, l.category, l.capacity, l.available, l.pending, i.capacity, i.sold, i.held, i.partner_held, i.partner_sold`,
    [clientId],
  )) {
    const agree =
      r.t_capacity === r.capacity &&
      r.available === r.capacity - r.sold_all &&
      r.pending === r.available - r.held_all &&
      r.t_sold === r.sold_ours &&
      r.t_held === r.held_ours &&
      r.t_partner_sold === r.sold_all - r.sold_ours &&
      r.t_partner_held === r.held_all - r.held_ours;
    if (!agree) violations.push(`ledger and tickets disagree: ${JSON.stringify(r)}`);
  }
  const count = (action: string) => ours.filter((m) => m.action === action).length;
  const summary = `partner log: ${log.length} messages, ours ${ours.length} (PENDING ${count('TICKET_PENDING')}, RESERVED ${count('TICKET_RESERVED')}, CANCELLED ${count('TICKET_CANCELLED')}); holds granted ${holds.filter((h) => h.fate === 'granted').length}, void ${holds.filter((h) => h.fate === 'void').length}`;
  return { violations, summary };
}
