import { randomUUID } from 'node:crypto';
import {
  CONFIRM_HOLD_SUBJECT,
  confirmHoldResponseSchema,
  ordersEvents,
  ticketsEvents,
  type EventBus,
} from '@ticketaka/common';
import { createTestEnvironment, type TestEnvironment } from '@ticketaka/common/testing';
import { loadMasterList, masterListSchema } from '../src/domain/load-master-list.use-case';
import { startTicketsService } from '../src/tickets-service';
import {
  connectAs,
  consumed,
  counts,
  masterListMatch,
  orderEvents,
  outboxEvents,
  primaryHold,
  publishRaw,
  requestHold,
  requestPartnerSale,
  type TicketsService,
} from './tickets-test-kit';

let env: TestEnvironment;
let tickets: TicketsService;
let orders: EventBus;

beforeAll(async () => {
  env = await createTestEnvironment('tickets-lifecycle');
  tickets = await startTicketsService(env.env);
  orders = await connectAs(env, 'orders');
  await loadMasterList(
    tickets.runtime,
    masterListSchema.parse([masterListMatch(201, 50), masterListMatch(202, 10)]),
  );
});
afterAll(async () => {
  await orders.close();
  await tickets.close();
  await env.cleanup();
});

const allConsumed = async () => {
  for (const type of [
    ordersEvents.orderCancelled.type,
    ordersEvents.orderExpired.type,
    ordersEvents.orderCompleted.type,
  ]) {
    await consumed(orders, type);
  }
};

const holdRow = async (orderId: string) =>
  (
    await tickets.runtime.pool.query('SELECT status, version FROM holds WHERE order_id = $1', [
      orderId,
    ])
  ).rows[0];

const ticketsOf = async (orderId: string) =>
  (
    await tickets.runtime.pool.query(
      'SELECT * FROM tickets WHERE order_id = $1 ORDER BY seat_index',
      [orderId],
    )
  ).rows;

const eventsFor = async (type: string, orderId: string) =>
  (await outboxEvents(tickets, type)).filter((e) => e.data.orderId === orderId);

describe('release', () => {
  test('when an order is cancelled, redelivered, cancelled again and then expires, then its seats come back exactly once', async () => {
    const hold = primaryHold(201, 1, 3);
    await requestHold(orders, hold);
    expect(await counts(tickets, 201, 1)).toMatchObject({ held: 3 });

    const cancelled = orderEvents.cancelled(hold);
    await publishRaw(orders, cancelled);
    await publishRaw(orders, cancelled); // the same event again (a redelivery after a crash)
    await publishRaw(orders, orderEvents.cancelled(hold)); // a second cancellation with its own id
    await publishRaw(orders, orderEvents.expired(hold)); // and the lock running out afterwards
    await allConsumed();

    expect(await counts(tickets, 201, 1)).toMatchObject({ held: 0, sold: 0 });
    expect(await holdRow(hold.orderId)).toEqual({ status: 'released', version: 2 });
    const released = await eventsFor(ticketsEvents.holdReleased.type, hold.orderId);
    expect(released).toHaveLength(1);
    expect(released[0]?.data).toMatchObject({ quantity: 3, version: 2 });
  });

  test('when an order tickets never held is cancelled, then nothing changes', async () => {
    const before = await counts(tickets, 201, 1);
    await orders.publish(orderEvents.cancelled(primaryHold(201, 1, 2)));
    await allConsumed();
    expect(await counts(tickets, 201, 1)).toEqual(before);
  });

  test('when an order is cancelled before its hold request arrives (orders asks outside any transaction), then the late request is refused and nothing is held for it', async () => {
    const before = await counts(tickets, 201, 1);
    const hold = primaryHold(201, 1, 2);
    await orders.publish(orderEvents.cancelled(hold));
    await allConsumed();
    await expect(requestHold(orders, hold)).rejects.toMatchObject({
      status: 409,
      code: 'order_ended',
    });
    expect(await holdRow(hold.orderId)).toBeUndefined();
    expect(await counts(tickets, 201, 1)).toEqual(before);
  });
});

describe('sell', () => {
  test('when an order completes three times and then its expiry and a cancellation arrive, then seats are sold once and one ticket per seat is issued', async () => {
    const hold = primaryHold(201, 2, 4);
    await requestHold(orders, hold);
    const completed = orderEvents.completed(hold);
    await publishRaw(orders, completed);
    await publishRaw(orders, completed);
    await publishRaw(orders, orderEvents.completed(hold));
    await allConsumed();
    // Late messages about the same order, on other subjects.
    await publishRaw(orders, orderEvents.expired(hold));
    await publishRaw(orders, orderEvents.cancelled(hold));
    await allConsumed();

    expect(await counts(tickets, 201, 2)).toMatchObject({ held: 0, sold: 4 });
    expect(await holdRow(hold.orderId)).toEqual({ status: 'sold', version: 2 });
    const issued = await ticketsOf(hold.orderId);
    expect(issued).toHaveLength(4);
    for (const t of issued)
      expect(t).toMatchObject({
        owner_id: hold.userId,
        face_price_cents: 12_500,
        status: 'valid',
        version: 1,
      });
    expect(await eventsFor(ticketsEvents.ticketIssued.type, hold.orderId)).toHaveLength(4);
    expect(await eventsFor(ticketsEvents.holdSold.type, hold.orderId)).toHaveLength(1);
    expect(await eventsFor(ticketsEvents.holdReleased.type, hold.orderId)).toHaveLength(0);
  });

  test('when completion arrives after the hold was released, then the release stands: nothing is sold or issued', async () => {
    const hold = primaryHold(201, 3, 2);
    await requestHold(orders, hold);
    await orders.publish(orderEvents.expired(hold));
    await allConsumed();
    const before = await counts(tickets, 201, 3);
    await orders.publish(orderEvents.completed(hold));
    await allConsumed();
    expect(await counts(tickets, 201, 3)).toEqual(before);
    expect(before).toMatchObject({ held: 0, sold: 0 });
    expect(await holdRow(hold.orderId)).toEqual({ status: 'released', version: 2 });
    expect(await ticketsOf(hold.orderId)).toHaveLength(0);
  });

  test('when many orders complete and cancel concurrently with duplicates, then held + sold match the holds exactly', async () => {
    const holds = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const hold = primaryHold(202, 1, 1);
        expect(await requestHold(orders, hold)).toMatchObject({ held: true });
        return { hold, completes: i % 2 === 0 };
      }),
    );
    const events = holds.flatMap(({ hold, completes }) => {
      const event = completes ? orderEvents.completed(hold) : orderEvents.cancelled(hold);
      return [event, event, completes ? orderEvents.expired(hold) : orderEvents.completed(hold)];
    });
    // Shuffled, so some completions arrive after releases and some expiries after sales.
    events.sort(() => Math.random() - 0.5);
    await Promise.all(events.map((e) => publishRaw(orders, e)));
    await allConsumed();

    const after = await counts(tickets, 202, 1);
    const { rows } = await tickets.runtime.pool.query(
      `SELECT status, count(*)::int AS n FROM holds WHERE match_number = 202 GROUP BY status`,
    );
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    expect(after.held).toBe(0);
    expect(byStatus.held).toBeUndefined();
    expect(after.sold).toBe(byStatus.sold ?? 0);
    expect(after.sold + (byStatus.released ?? 0)).toBe(10);
    const issued = (
      await tickets.runtime.pool.query(
        'SELECT count(*)::int AS n FROM tickets WHERE match_number = 202',
      )
    ).rows[0].n;
    expect(issued).toBe(after.sold);
  });
});

describe('partner log decisions (rpc.tickets.confirm-hold)', () => {
  const decide = (orderId: string, outcome: 'granted' | 'void') =>
    orders.request(
      CONFIRM_HOLD_SUBJECT,
      { orderId, outcome, decidedAt: 'ticket-sales:0:42' },
      confirmHoldResponseSchema,
    );

  test('when a hold is granted twice and then its order is cancelled, then it is confirmed once and released once', async () => {
    const hold = primaryHold(201, 1, 1);
    await requestHold(orders, hold);
    expect(await decide(hold.orderId, 'granted')).toEqual({
      orderId: hold.orderId,
      status: 'confirmed',
      changed: true,
    });
    expect(await decide(hold.orderId, 'granted')).toEqual({
      orderId: hold.orderId,
      status: 'confirmed',
      changed: false,
    });
    expect(await holdRow(hold.orderId)).toEqual({ status: 'confirmed', version: 2 });
    const before = await counts(tickets, 201, 1);
    await orders.publish(orderEvents.cancelled(hold));
    await allConsumed();
    expect(await counts(tickets, 201, 1)).toMatchObject({ held: before.held - 1 });
    expect(await holdRow(hold.orderId)).toEqual({ status: 'released', version: 3 });
    expect(
      (await eventsFor(ticketsEvents.holdConfirmed.type, hold.orderId)).map((e) => e.data.version),
    ).toEqual([2]);
    expect(
      (await eventsFor(ticketsEvents.holdReleased.type, hold.orderId)).map((e) => e.data.version),
    ).toEqual([3]);
    expect(await decide(hold.orderId, 'granted')).toEqual({
      orderId: hold.orderId,
      status: 'released',
      changed: false,
    });
  });

  test('when a hold is voided (twice), then its seats come back once and the later cancellation changes nothing', async () => {
    const hold = primaryHold(201, 2, 2);
    await requestHold(orders, hold);
    const before = await counts(tickets, 201, 2);
    expect(await decide(hold.orderId, 'void')).toEqual({
      orderId: hold.orderId,
      status: 'released',
      changed: true,
    });
    expect(await decide(hold.orderId, 'void')).toEqual({
      orderId: hold.orderId,
      status: 'released',
      changed: false,
    });
    await orders.publish(orderEvents.cancelled(hold));
    await allConsumed();
    expect(await counts(tickets, 201, 2)).toMatchObject({
      held: before.held - 2,
      sold: before.sold,
    });
    const { rows } = await tickets.runtime.pool.query(
      'SELECT partner_decision, partner_decided_at FROM holds WHERE order_id = $1',
      [hold.orderId],
    );
    expect(rows[0]).toEqual({ partner_decision: 'void', partner_decided_at: 'ticket-sales:0:42' });
  });

  test('when a sold hold is voided, then the sale stands; an unknown order is 404', async () => {
    const hold = primaryHold(201, 3, 1);
    await requestHold(orders, hold);
    await orders.publish(orderEvents.completed(hold));
    await allConsumed();
    const before = await counts(tickets, 201, 3);
    expect(await decide(hold.orderId, 'void')).toEqual({
      orderId: hold.orderId,
      status: 'sold',
      changed: false,
    });
    expect(await counts(tickets, 201, 3)).toEqual(before);
    await expect(decide(randomUUID(), 'granted')).rejects.toMatchObject({
      status: 404,
      code: 'hold_not_found',
    });
  });
});

describe('faults', () => {
  test('when tickets is down while orders complete and cancel, then after a restart every hold is settled once', async () => {
    const toSell = primaryHold(201, 1, 2);
    const toRelease = primaryHold(201, 1, 1);
    await requestHold(orders, toSell);
    await requestHold(orders, toRelease);
    const before = await counts(tickets, 201, 1);
    await tickets.close();

    await orders.publish(orderEvents.completed(toSell));
    await orders.publish(orderEvents.cancelled(toRelease));
    tickets = await startTicketsService(env.env);
    await allConsumed();

    expect(await counts(tickets, 201, 1)).toMatchObject({
      held: before.held - 3,
      sold: before.sold + 2,
    });
    expect(await ticketsOf(toSell.orderId)).toHaveLength(2);
    expect(await holdRow(toRelease.orderId)).toEqual({ status: 'released', version: 2 });
  });
});

describe('partner sales', () => {
  const sale = (
    messageKey: string,
    action: 'TICKET_PENDING' | 'TICKET_RESERVED' | 'TICKET_CANCELLED',
    quantity: number,
  ) => ({
    messageKey,
    action,
    matchNumber: 202,
    category: 3,
    quantity,
  });

  test('when the same partner message arrives twice (even at once), then it counts once', async () => {
    const first = await Promise.all(
      Array.from({ length: 5 }, () =>
        requestPartnerSale(orders, sale('dup-1', 'TICKET_PENDING', 2)),
      ),
    );
    expect(first.filter((r) => r.applied)).toHaveLength(1);
    const later = await requestPartnerSale(orders, sale('dup-1', 'TICKET_PENDING', 2));
    expect(later).toEqual({
      applied: false,
      matchNumber: 202,
      category: 3,
      available: 10,
      pending: 8,
      version: expect.any(Number),
    });
    expect(await counts(tickets, 202, 3)).toMatchObject({ partner_held: 2, partner_sold: 0 });
  });

  test('when a RESERVED overtakes its PENDING, then it is refused untouched and applies once retried after the PENDING', async () => {
    const before = await counts(tickets, 202, 3);
    await expect(
      requestPartnerSale(orders, sale('ooo-reserved', 'TICKET_RESERVED', 5)),
    ).rejects.toMatchObject({
      status: 409,
      code: 'partner_sale_exceeds_partner_holds',
    });
    expect(await counts(tickets, 202, 3)).toEqual(before);

    await requestPartnerSale(orders, sale('ooo-pending', 'TICKET_PENDING', 5));
    expect(
      await requestPartnerSale(orders, sale('ooo-reserved', 'TICKET_RESERVED', 5)),
    ).toMatchObject({
      applied: true,
      available: 5,
      pending: 3,
    });
    expect(
      await requestPartnerSale(orders, sale('ooo-reserved', 'TICKET_RESERVED', 5)),
    ).toMatchObject({ applied: false });
    expect(await counts(tickets, 202, 3)).toMatchObject({ partner_held: 2, partner_sold: 5 });
  });

  test('when a partner cancels more than partners hold, or holds more than is left, then it is refused and counts stay', async () => {
    const before = await counts(tickets, 202, 3);
    await expect(
      requestPartnerSale(orders, sale('hostile-cancel', 'TICKET_CANCELLED', 3)),
    ).rejects.toMatchObject({
      status: 409,
      code: 'partner_sale_exceeds_partner_holds',
    });
    await expect(
      requestPartnerSale(orders, sale('too-many', 'TICKET_PENDING', 4)),
    ).rejects.toMatchObject({
      status: 409,
      code: 'partner_sale_not_enough_tickets',
    });
    await expect(
      requestPartnerSale(orders, { ...sale('nowhere', 'TICKET_PENDING', 1), matchNumber: 998 }),
    ).rejects.toMatchObject({ status: 404 });
    expect(await counts(tickets, 202, 3)).toEqual(before);
    // A refused key was not recorded: once it makes sense it can still apply.
    expect(
      await requestPartnerSale(orders, sale('hostile-cancel', 'TICKET_CANCELLED', 2)),
    ).toMatchObject({ applied: true, pending: 5 });
  });

  test('when partner changes are applied, then each emits a versioned inventory event', async () => {
    const mine = randomUUID();
    const before = await counts(tickets, 202, 3);
    const answer = await requestPartnerSale(orders, sale(mine, 'TICKET_PENDING', 1));
    expect(answer.version).toBe(before.version + 1);
    const last = (await outboxEvents(tickets, ticketsEvents.inventoryChanged.type)).at(-1);
    expect(last?.data).toMatchObject({
      matchNumber: 202,
      category: 3,
      version: before.version + 1,
      pending: answer.pending,
    });
  });
});
