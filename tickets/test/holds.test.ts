import { randomUUID } from 'node:crypto';
import { AppError, ordersEvents, ticketsEvents, type EventBus } from '@ticketaka/common';
import {
  createTestEnvironment,
  eventually,
  readSubject,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { loadMasterList, masterListSchema } from '../src/domain/load-master-list.use-case';
import { startTicketsService } from '../src/tickets-service';
import {
  connectAs,
  consumed,
  orderEvents,
  counts,
  masterListMatch,
  outboxEvents,
  primaryHold,
  requestHold,
  requestPartnerSale,
  type TicketsService,
} from './tickets-test-kit';

let env: TestEnvironment;
let tickets: TicketsService;
let orders: EventBus;

beforeAll(async () => {
  env = await createTestEnvironment('tickets-holds');
  tickets = await startTicketsService(env.env);
  orders = await connectAs(env, 'orders');
  await loadMasterList(
    tickets.runtime,
    masterListSchema.parse([
      masterListMatch(101, 100),
      masterListMatch(102, 20),
      masterListMatch(103, 10),
    ]),
  );
});
afterAll(async () => {
  await orders.close();
  await tickets.close();
  await env.cleanup();
});

const heldByOpenHolds = async (matchNumber: number, category: number) => {
  const { rows } = await tickets.runtime.pool.query(
    `SELECT count(*)::int AS holds, coalesce(sum(quantity), 0)::int AS seats FROM holds
     WHERE match_number = $1 AND category = $2 AND status = 'held'`,
    [matchNumber, category],
  );
  return rows[0] as { holds: number; seats: number };
};

describe('holds', () => {
  test('when 300 hold requests race for the 50 tickets left in a category, then exactly 50 are held and 250 refused', async () => {
    // 100 seats; partners hold 20 and three earlier orders hold 10 each, so 50 are left.
    await requestPartnerSale(orders, {
      messageKey: 'p-1',
      action: 'TICKET_PENDING',
      matchNumber: 101,
      category: 2,
      quantity: 20,
    });
    for (let i = 0; i < 3; i += 1) {
      expect(await requestHold(orders, primaryHold(101, 2, 10))).toMatchObject({
        held: true,
        quantity: 10,
      });
    }
    const before = await counts(tickets, 101, 2);

    const requests = Array.from({ length: 300 }, () => primaryHold(101, 2, 1));
    const answers = await Promise.all(requests.map((r) => requestHold(orders, r)));

    const held = answers.filter((a) => a.held);
    const refused = answers.filter((a) => !a.held);
    expect(held).toHaveLength(50);
    expect(refused).toHaveLength(250);
    for (const answer of refused)
      expect(answer).toEqual({ held: false, reason: 'not_enough_tickets', available: 0 });
    for (const answer of held)
      expect(answer).toMatchObject({
        unitPriceCents: 12_500,
        amountCents: 12_500,
        currency: 'USD',
      });

    const after = await counts(tickets, 101, 2);
    expect(after).toMatchObject({
      capacity: 100,
      held: 80,
      partner_held: 20,
      sold: 0,
      partner_sold: 0,
    });
    expect(after.version).toBe(before.version + 50);
    expect(await heldByOpenHolds(101, 2)).toEqual({ holds: 53, seats: 80 });

    // Each success announced exactly once, with the counts it left behind.
    const placed = (await outboxEvents(tickets, ticketsEvents.holdPlaced.type)).filter(
      (e) => e.data.matchNumber === 101,
    );
    expect(placed).toHaveLength(53);
    const changes = (await outboxEvents(tickets, ticketsEvents.inventoryChanged.type)).filter(
      (e) => e.data.matchNumber === 101 && e.data.category === 2,
    );
    const last = changes.at(-1)?.data;
    expect(last).toMatchObject({
      available: 100,
      pending: 0,
      state: 'temporarily_unavailable',
      version: after.version,
    });
    expect(new Set(changes.map((e) => e.data.version)).size).toBe(changes.length);

    // Sold out, a winner asking again still gets its hold back, and a loser is still refused.
    const winner = requests[answers.findIndex((a) => a.held)];
    const loser = requests[answers.findIndex((a) => !a.held)];
    expect(await requestHold(orders, winner!)).toMatchObject({
      held: true,
      orderId: winner!.orderId,
    });
    expect(await requestHold(orders, loser!)).toMatchObject({ held: false });
    expect(await counts(tickets, 101, 2)).toEqual(after);
  });

  test('when the same hold is requested 10 times at once, then it holds once and every answer is the same', async () => {
    const request = primaryHold(102, 1, 4);
    const before = await counts(tickets, 102, 1);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => requestHold(orders, request)),
    );
    const again = await requestHold(orders, request);
    for (const answer of [...answers, again]) {
      expect(answer).toEqual({
        held: true,
        orderId: request.orderId,
        matchNumber: 102,
        category: 1,
        quantity: 4,
        unitPriceCents: 7500,
        amountCents: 30_000,
        currency: 'USD',
        ticketId: null,
        listingId: null,
      });
    }
    const after = await counts(tickets, 102, 1);
    expect(after.held).toBe(before.held + 4);
    expect(after.version).toBe(before.version + 1);
    const placed = (await outboxEvents(tickets, ticketsEvents.holdPlaced.type)).filter(
      (e) => e.data.orderId === request.orderId,
    );
    expect(placed).toHaveLength(1);
    await eventually(async () => {
      const published = await readSubject<{ data: { orderId: string } }>(
        orders,
        ticketsEvents.holdPlaced.type,
      );
      expect(published.filter((e) => e.data.orderId === request.orderId)).toHaveLength(1);
    });
  });

  test('when too few tickets are left, then the refusal says how many can still be held', async () => {
    expect(await requestHold(orders, primaryHold(103, 3, 8))).toMatchObject({ held: true });
    expect(await requestHold(orders, primaryHold(103, 3, 3))).toEqual({
      held: false,
      reason: 'not_enough_tickets',
      available: 2,
    });
    expect(await requestHold(orders, primaryHold(103, 3, 2))).toMatchObject({
      held: true,
      quantity: 2,
    });
    expect(await counts(tickets, 103, 3)).toMatchObject({ held: 10 });
  });

  test('when a refused order asks again after seats were freed, then it is held (refusals are not recorded)', async () => {
    const request = primaryHold(103, 2, 10);
    const blocker = primaryHold(103, 2, 5);
    expect(await requestHold(orders, blocker)).toMatchObject({ held: true });
    expect(await requestHold(orders, request)).toEqual({
      held: false,
      reason: 'not_enough_tickets',
      available: 5,
    });
    await orders.publish(orderEvents.cancelled({ ...blocker, orderId: blocker.orderId }));
    await consumed(orders, ordersEvents.orderCancelled.type);
    expect(await requestHold(orders, request)).toMatchObject({ held: true, quantity: 10 });
    expect(await counts(tickets, 103, 2)).toMatchObject({ held: 10 });
  });

  test('when the match or category is unknown, then the requester gets a 404 and nothing is written', async () => {
    const holdsBefore = Number(
      (await tickets.runtime.pool.query('SELECT count(*) FROM holds')).rows[0].count,
    );
    await expect(requestHold(orders, primaryHold(999, 1, 1))).rejects.toMatchObject({
      status: 404,
      code: 'category_not_found',
    });
    expect(
      Number((await tickets.runtime.pool.query('SELECT count(*) FROM holds')).rows[0].count),
    ).toBe(holdsBefore);
  });

  test('when a hold request is malformed, then the requester gets a 400', async () => {
    const error = await requestHold(orders, { ...primaryHold(102, 1, 1), quantity: 0 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  test('when an order id is reused for different tickets, then 409 hold_mismatch and the first hold stands', async () => {
    const first = primaryHold(102, 2, 1);
    await requestHold(orders, first);
    await expect(requestHold(orders, { ...first, quantity: 2 })).rejects.toMatchObject({
      status: 409,
      code: 'hold_mismatch',
    });
    expect(await heldByOpenHolds(102, 2)).toEqual({ holds: 1, seats: 1 });
  });

  test('when holds and partner holds race for one small category, then the counts never exceed capacity', async () => {
    await loadMasterList(tickets.runtime, masterListSchema.parse([masterListMatch(104, 25)]));
    const ours = Array.from({ length: 40 }, () => requestHold(orders, primaryHold(104, 1, 1)));
    const partners = Array.from({ length: 40 }, (_, i) =>
      requestPartnerSale(orders, {
        messageKey: `race-${i}`,
        action: 'TICKET_PENDING',
        matchNumber: 104,
        category: 1,
        quantity: 1,
      }).then(
        () => true,
        (error: AppError) => {
          expect(error.code).toBe('partner_sale_not_enough_tickets');
          return false;
        },
      ),
    );
    const ourAnswers = await Promise.all(ours);
    const partnerAnswers = await Promise.all(partners);
    const ourHeld = ourAnswers.filter((a) => a.held).length;
    const partnerHeld = partnerAnswers.filter(Boolean).length;
    expect(ourHeld + partnerHeld).toBe(25);
    expect(await counts(tickets, 104, 1)).toMatchObject({
      capacity: 25,
      held: ourHeld,
      partner_held: partnerHeld,
    });
  });

  test('when the database is asked to oversell directly, then its CHECK constraint refuses', async () => {
    await expect(
      tickets.runtime.pool.query(
        'UPDATE inventory SET held = capacity + 1 WHERE match_number = 102 AND category = 3',
      ),
    ).rejects.toMatchObject({ code: '23514' });
  });
});

describe('hold ids', () => {
  test('when a hold is refused, then no hold row remains for that order', async () => {
    const request = primaryHold(101, 2, 1, randomUUID());
    expect(await requestHold(orders, request)).toMatchObject({ held: false });
    const { rowCount } = await tickets.runtime.pool.query(
      'SELECT 1 FROM holds WHERE order_id = $1',
      [request.orderId],
    );
    expect(rowCount).toBe(0);
  });
});
