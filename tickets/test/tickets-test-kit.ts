import { randomUUID } from 'node:crypto';
import {
  ADMIN_USER,
  createLogger,
  EventBus,
  HOLD_SUBJECT,
  holdResponseSchema,
  ordersEvents,
  PARTNER_SALE_SUBJECT,
  partnerSaleResponseSchema,
  type CurrentUser,
  type HoldRequest,
  type MasterListMatchInput,
  type PartnerSaleRequest,
} from '@ticketaka/common';
import { startTicketsService } from '../src/tickets-service';
import { call, type Json, type TestEnvironment } from '@ticketaka/common/testing';

export type TicketsService = Awaited<ReturnType<typeof startTicketsService>>;

/**
 * A second NATS connection acting as the orders service (or the kafka-bridge, or both), as
 * the harness's admin user: a service's own user may only do what its service.json allows.
 */
export async function connectAs(env: TestEnvironment, service: string): Promise<EventBus> {
  return EventBus.connect({
    servers: env.env.NATS_URL as string,
    namespace: env.namespace,
    service,
    user: ADMIN_USER,
    credentialsDir: env.env.CREDENTIALS_DIR,
    logger: createLogger(service, { level: 'silent' }),
  });
}

export const requestHold = (bus: EventBus, request: HoldRequest) =>
  bus.request(HOLD_SUBJECT, request, holdResponseSchema, 15_000);

export const primaryHold = (
  matchNumber: number,
  category: number,
  quantity: number,
  orderId: string = randomUUID(),
  userId: string = randomUUID(),
) => ({ kind: 'primary', orderId, userId, matchNumber, category, quantity }) as const;

export const requestPartnerSale = (bus: EventBus, sale: PartnerSaleRequest) =>
  bus.request(PARTNER_SALE_SUBJECT, sale, partnerSaleResponseSchema, 15_000);

/** A one-match master-list entry with the given capacity in every category. */
export function masterListMatch(
  matchNumber: number,
  capacity: number,
  overrides: Partial<MasterListMatchInput> = {},
): MasterListMatchInput {
  const category = (price: number) => ({ available: capacity, pending: 0, price });
  return {
    matchNumber,
    roundNumber: 1,
    dateUtc: '2022-11-30T19:00:00Z',
    location: 'Lusail Stadium',
    homeTeam: 'Argentina',
    awayTeam: 'Poland',
    group: 'C',
    availability: { category1: category(75), category2: category(125), category3: category(195) },
    ...overrides,
  };
}

export interface Counts {
  capacity: number;
  sold: number;
  held: number;
  partner_held: number;
  partner_sold: number;
  version: number;
}

export async function counts(
  service: TicketsService,
  matchNumber: number,
  category: number,
): Promise<Counts> {
  const { rows } = await service.runtime.pool.query<Counts>(
    'SELECT capacity, sold, held, partner_held, partner_sold, version FROM inventory WHERE match_number = $1 AND category = $2',
    [matchNumber, category],
  );
  if (!rows[0]) throw new Error(`no inventory ${matchNumber}/${category}`);
  return rows[0];
}

/** Events of one type that the service committed to its outbox (published or not). */
export async function outboxEvents<T = { id: string; data: Record<string, unknown> }>(
  service: TicketsService,
  type: string,
): Promise<T[]> {
  const { rows } = await service.runtime.pool.query<{ payload: T }>(
    'SELECT payload FROM outbox WHERE type = $1 ORDER BY seq',
    [type],
  );
  return rows.map((r) => r.payload);
}

interface OrderFacts {
  orderId: string;
  userId: string;
  matchNumber: number;
  category: number;
  quantity: number;
  ticketId?: string | null;
  amountCents?: number;
  version?: number;
}

function orderFields(order: OrderFacts, status: 'complete' | 'cancelled' | 'expired') {
  return {
    id: order.orderId,
    userId: order.userId,
    kind: order.ticketId ? ('resale' as const) : ('primary' as const),
    matchNumber: order.matchNumber,
    category: order.category,
    quantity: order.quantity,
    ticketId: order.ticketId ?? null,
    amountCents: order.amountCents ?? 0,
    currency: 'USD',
    status,
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    version: order.version ?? 3,
  };
}

/** The order events tickets consumes, as the orders service would publish them. */
export const orderEvents = {
  cancelled: (order: OrderFacts) =>
    ordersEvents.orderCancelled.create({
      ...orderFields(order, 'cancelled'),
      reason: 'cancelled by the fan',
    }),
  expired: (order: OrderFacts) => ordersEvents.orderExpired.create(orderFields(order, 'expired')),
  completed: (order: OrderFacts) =>
    ordersEvents.orderCompleted.create({
      ...orderFields(order, 'complete'),
      paymentId: randomUUID(),
    }),
};

/**
 * Publishes an event without a JetStream message id, so the server's de-duplication cannot
 * hide a repeat: the consumer itself must recognise it (a redelivery after a crash looks so).
 */
export async function publishRaw(bus: EventBus, event: { type: string }): Promise<void> {
  await bus.ensureStream(event.type.split('.')[0] as string);
  await bus.js.publish(bus.subject(event.type), JSON.stringify(event));
}

/** Waits until tickets' durable consumer of `type` has nothing pending or unacknowledged. */
export async function consumed(bus: EventBus, type: string, timeoutMs = 15_000): Promise<void> {
  const stream = await bus.ensureStream(type.split('.')[0] as string);
  const durable = bus.durableName('tickets', type);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await bus.jsm.consumers.info(stream, durable);
    if (info.num_pending === 0 && info.num_ack_pending === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `${durable} still has ${info.num_pending} pending, ${info.num_ack_pending} unacked`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function fan(name: string): CurrentUser {
  return {
    id: randomUUID(),
    email: `${name}@example.com`,
    displayName: name,
    country: 'AR',
    role: 'fan',
  };
}

export { call, type Json };

/** Buys tickets the way a completed order does: a hold, then orders.order.completed. */
export async function buyTickets(
  service: TicketsService,
  orders: EventBus,
  buyer: { user: CurrentUser; token: string },
  matchNumber: number,
  category: number,
  quantity: number,
): Promise<{ id: string; orderId: string; version: number; status: string }[]> {
  const hold = primaryHold(matchNumber, category, quantity, randomUUID(), buyer.user.id);
  await requestHold(orders, hold);
  await orders.publish(orderEvents.completed(hold));
  await consumed(orders, ordersEvents.orderCompleted.type);
  const { body } = await call(service.url, 'GET', '/api/tickets/mine', { token: buyer.token });
  return body.tickets.filter((t: { orderId: string }) => t.orderId === hold.orderId);
}
