import { randomUUID } from 'node:crypto';
import { ordersEvents, ticketsEvents, type EventBus } from '@ticketaka/common';
import { createTestEnvironment, type TestEnvironment } from '@ticketaka/common/testing';
import { loadMasterList, masterListSchema } from '../src/domain/load-master-list.use-case';
import { startTicketsService } from '../src/tickets-service';
import {
  call,
  connectAs,
  consumed,
  fan,
  masterListMatch,
  orderEvents,
  outboxEvents,
  primaryHold,
  requestHold,
  type TicketsService,
} from './tickets-test-kit';

let env: TestEnvironment;
let tickets: TicketsService;
let orders: EventBus;

const seller = fan('seller');
const buyer = fan('buyer');
const other = fan('other');
const tokenOf = (user: ReturnType<typeof fan>) => env.tokenFor(user);

beforeAll(async () => {
  env = await createTestEnvironment('tickets-resale');
  tickets = await startTicketsService(env.env);
  orders = await connectAs(env, 'orders');
  await loadMasterList(
    tickets.runtime,
    masterListSchema.parse([masterListMatch(500, 10), masterListMatch(501, 10)]),
  );
});
afterAll(async () => {
  await orders.close();
  await tickets.close();
  await env.cleanup();
});

const api = (method: string, path: string, user?: ReturnType<typeof fan>, body?: unknown) =>
  call(tickets.url, method, path, { token: user && tokenOf(user), body });

/** Buys tickets the way a completed order does: a hold, then orders.order.completed. */
async function buyTickets(
  user: ReturnType<typeof fan>,
  matchNumber: number,
  category: number,
  quantity: number,
) {
  const hold = primaryHold(matchNumber, category, quantity, randomUUID(), user.id);
  await requestHold(orders, hold);
  await orders.publish(orderEvents.completed(hold));
  await consumed(orders, ordersEvents.orderCompleted.type);
  const { body } = await api('GET', '/api/tickets/mine', user);
  return body.tickets.filter((t: { orderId: string }) => t.orderId === hold.orderId);
}

const resaleHold = (ticketId: string, user = buyer, orderId = randomUUID()) => ({
  kind: 'resale' as const,
  orderId,
  userId: user.id,
  ticketId,
});

const settle = async (type: string) => consumed(orders, type);
const listingEvents = async (listingId: string) =>
  [
    ...(await outboxEvents(tickets, ticketsEvents.listingCreated.type)),
    ...(await outboxEvents(tickets, ticketsEvents.listingUpdated.type)),
    ...(await outboxEvents(tickets, ticketsEvents.listingSold.type)),
  ]
    .filter((e) => e.data.id === listingId)
    .map((e) => e.data);

describe('my tickets', () => {
  test('when an order completes, then the buyer sees one ticket per seat, with the match, and nobody else sees them', async () => {
    const mine = await buyTickets(seller, 500, 3, 2);
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatchObject({
      matchNumber: 500,
      category: 3,
      facePriceCents: 19_500,
      currency: 'USD',
      status: 'valid',
      version: 1,
      listing: null,
      match: { homeTeam: 'Argentina', awayTeam: 'Poland', venue: 'Lusail Stadium' },
    });
    expect((await api('GET', '/api/tickets/mine', other)).body.tickets).toEqual([]);
  });

  test('when nobody is signed in, then 401', async () => {
    expect((await api('GET', '/api/tickets/mine')).status).toBe(401);
  });
});

describe('listing a ticket', () => {
  test('when the price is above face value, then 400 price_above_cap and nothing is listed', async () => {
    const [ticket] = await buyTickets(seller, 500, 1, 1);
    const { status, body } = await api('POST', '/api/resale', seller, {
      ticketId: ticket.id,
      priceCents: 7501,
    });
    expect(status).toBe(400);
    expect(body.errors[0]).toMatchObject({ code: 'price_above_cap', field: 'priceCents' });
    expect((await api('GET', '/api/resale?matchNumber=500')).body.listings).toEqual([]);
  });

  test("when someone lists another fan's ticket, then 403 and nothing is listed", async () => {
    const [ticket] = await buyTickets(seller, 500, 1, 1);
    const { status, body } = await api('POST', '/api/resale', other, {
      ticketId: ticket.id,
      priceCents: 5000,
    });
    expect(status).toBe(403);
    expect(body.errors[0].code).toBe('not_ticket_owner');
    expect((await api('GET', '/api/resale?matchNumber=500')).body.listings).toEqual([]);
  });

  test.each([
    ['no body', 400, undefined],
    ['a missing price', 400, { ticketId: randomUUID() }],
    ['a fractional price', 400, { ticketId: randomUUID(), priceCents: 10.5 }],
    ['a zero price', 400, { ticketId: randomUUID(), priceCents: 0 }],
    ['an extra field', 400, { ticketId: randomUUID(), priceCents: 100, sellerId: randomUUID() }],
    ['an unknown ticket', 404, { ticketId: randomUUID(), priceCents: 100 }],
  ])('when the request has %s, then %i and nothing is listed', async (_name, status, body) => {
    const before = Number(
      (await tickets.runtime.pool.query('SELECT count(*) FROM listings')).rows[0].count,
    );
    expect((await api('POST', '/api/resale', seller, body)).status).toBe(status);
    expect(
      Number((await tickets.runtime.pool.query('SELECT count(*) FROM listings')).rows[0].count),
    ).toBe(before);
  });

  test('when the owner lists at face value, then 201, it is for sale, and listing it again is 409', async () => {
    const [ticket] = await buyTickets(seller, 500, 2, 1);
    const created = await api('POST', '/api/resale', seller, {
      ticketId: ticket.id,
      priceCents: 12_500,
    });
    expect(created.status).toBe(201);
    expect(created.body.listing).toMatchObject({
      ticketId: ticket.id,
      priceCents: 12_500,
      status: 'active',
      version: 1,
    });
    const again = await api('POST', '/api/resale', seller, {
      ticketId: ticket.id,
      priceCents: 10_000,
    });
    expect(again.status).toBe(409);
    expect(again.body.errors[0].code).toBe('already_listed');
    const forSale = (await api('GET', '/api/resale?matchNumber=500')).body.listings;
    expect(forSale.map((l: { id: string }) => l.id)).toContain(created.body.listing.id);
    expect((await api('GET', '/api/resale?matchNumber=501')).body.listings).toEqual([]);
    expect((await api('GET', '/api/resale?matchNumber=x')).status).toBe(400);
  });

  test('when the owner lists the same ticket ten times at once, then exactly one listing exists', async () => {
    const [ticket] = await buyTickets(seller, 501, 1, 1);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        api('POST', '/api/resale', seller, { ticketId: ticket.id, priceCents: 7000 }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(9);
  });
});

describe('editing and withdrawing', () => {
  test('when the seller edits the price, then each change bumps the version, and stale or foreign edits are refused', async () => {
    const [ticket] = await buyTickets(seller, 501, 2, 1);
    const { body } = await api('POST', '/api/resale', seller, {
      ticketId: ticket.id,
      priceCents: 12_000,
    });
    const id = body.listing.id;

    const first = await api('PUT', `/api/resale/${id}`, seller, { priceCents: 11_000, version: 1 });
    expect(first.status).toBe(200);
    expect(first.body.listing).toMatchObject({ priceCents: 11_000, version: 2 });
    const second = await api('PUT', `/api/resale/${id}`, seller, { priceCents: 10_000 });
    expect(second.body.listing).toMatchObject({ priceCents: 10_000, version: 3 });

    const stale = await api('PUT', `/api/resale/${id}`, seller, { priceCents: 9000, version: 2 });
    expect(stale.status).toBe(409);
    expect(stale.body.errors[0].code).toBe('version_conflict');
    expect((await api('PUT', `/api/resale/${id}`, seller, { priceCents: 12_501 })).status).toBe(
      400,
    );
    expect((await api('PUT', `/api/resale/${id}`, other, { priceCents: 9000 })).status).toBe(403);
    expect(
      (await api('PUT', `/api/resale/${randomUUID()}`, seller, { priceCents: 9000 })).status,
    ).toBe(404);
    expect((await api('PUT', '/api/resale/not-an-id', seller, { priceCents: 9000 })).status).toBe(
      400,
    );

    const withdrawn = await api('DELETE', `/api/resale/${id}`, seller);
    expect(withdrawn.body.listing).toMatchObject({ status: 'withdrawn', version: 4 });
    expect(
      (await api('PUT', `/api/resale/${id}`, seller, { priceCents: 9000 })).body.errors[0].code,
    ).toBe('listing_closed');

    expect((await listingEvents(id)).map((e) => [e.status, e.version, e.priceCents])).toEqual([
      ['active', 1, 12_000],
      ['active', 2, 11_000],
      ['active', 3, 10_000],
      ['withdrawn', 4, 10_000],
    ]);
    // Withdrawn, it can be listed again.
    expect(
      (await api('POST', '/api/resale', seller, { ticketId: ticket.id, priceCents: 9000 })).status,
    ).toBe(201);
  });
});

describe('buying a resale ticket', () => {
  test('when a buyer locks, cancels, and another buyer completes, then the listing moves locked → active → locked → sold and the ticket changes owner', async () => {
    const [ticket] = await buyTickets(seller, 500, 3, 1);
    const { body } = await api('POST', '/api/resale', seller, {
      ticketId: ticket.id,
      priceCents: 15_000,
    });
    const listingId = body.listing.id;

    // The seller cannot buy their own listing.
    await expect(requestHold(orders, resaleHold(ticket.id, seller))).rejects.toMatchObject({
      status: 403,
      code: 'own_listing',
    });

    // Five buyers race for it: one lock.
    const racers = [buyer, fan('b2'), fan('b3'), fan('b4'), fan('b5')];
    const answers = await Promise.all(
      racers.map((u) => requestHold(orders, resaleHold(ticket.id, u))),
    );
    const winners = answers.filter((a) => a.held);
    expect(winners).toHaveLength(1);
    for (const a of answers.filter((x) => !x.held))
      expect(a).toEqual({ held: false, reason: 'listing_unavailable', available: 0 });
    const winner = winners[0] as Extract<(typeof answers)[number], { held: true }>;
    expect(winner).toMatchObject({
      quantity: 1,
      unitPriceCents: 15_000,
      amountCents: 15_000,
      ticketId: ticket.id,
      listingId,
    });
    const winnerIndex = answers.indexOf(winner);
    const firstBuyer = racers[winnerIndex] as ReturnType<typeof fan>;

    // Locked: the seller can neither edit nor withdraw.
    const edit = await api('PUT', `/api/resale/${listingId}`, seller, { priceCents: 14_000 });
    expect(edit.status).toBe(409);
    expect(edit.body.errors[0].code).toBe('listing_locked');
    expect((await api('DELETE', `/api/resale/${listingId}`, seller)).body.errors[0].code).toBe(
      'listing_locked',
    );
    expect(
      (await api('GET', '/api/resale?matchNumber=500')).body.listings.map(
        (l: { id: string }) => l.id,
      ),
    ).not.toContain(listingId);

    // The first buyer's order is cancelled: the listing is for sale again.
    await orders.publish(
      orderEvents.cancelled({
        orderId: winner.orderId,
        userId: firstBuyer.id,
        matchNumber: 500,
        category: 3,
        quantity: 1,
        ticketId: ticket.id,
      }),
    );
    await settle(ordersEvents.orderCancelled.type);
    expect(
      (await api('GET', '/api/resale?matchNumber=500')).body.listings.map(
        (l: { id: string }) => l.id,
      ),
    ).toContain(listingId);

    // Another buyer locks it and pays.
    const second = resaleHold(ticket.id, other);
    expect(await requestHold(orders, second)).toMatchObject({ held: true, amountCents: 15_000 });
    const completed = orderEvents.completed({
      ...second,
      matchNumber: 500,
      category: 3,
      quantity: 1,
      amountCents: 15_000,
    });
    await orders.publish(completed);
    await orders.publish(
      orderEvents.completed({ ...second, matchNumber: 500, category: 3, quantity: 1 }),
    );
    await settle(ordersEvents.orderCompleted.type);

    const buyersTickets = (await api('GET', '/api/tickets/mine', other)).body.tickets;
    // list, lock, unlock, lock, transfer: one version per move of the ticket's life.
    expect(buyersTickets.find((t: { id: string }) => t.id === ticket.id)).toMatchObject({
      version: 6,
      status: 'valid',
      listing: null,
    });
    const moves = (await outboxEvents(tickets, ticketsEvents.ticketStatusChanged.type))
      .filter((e) => e.data.id === ticket.id)
      .map((e) => [e.data.move, e.data.from, e.data.to, e.data.version]);
    expect(moves).toEqual([
      ['list', 'valid', 'listed', 2],
      ['lock', 'listed', 'locked', 3],
      ['unlock', 'locked', 'listed', 4],
      ['lock', 'listed', 'locked', 5],
      ['transfer', 'locked', 'valid', 6],
    ]);
    const sellersTickets = (await api('GET', '/api/tickets/mine', seller)).body.tickets;
    expect(sellersTickets.find((t: { id: string }) => t.id === ticket.id)).toBeUndefined();

    expect((await listingEvents(listingId)).map((e) => [e.status, e.version])).toEqual([
      ['active', 1],
      ['locked', 2],
      ['active', 3],
      ['locked', 4],
      ['sold', 5],
    ]);
    const sold = (await outboxEvents(tickets, ticketsEvents.listingSold.type)).find(
      (e) => e.data.id === listingId,
    );
    expect(sold?.data).toMatchObject({
      sellerId: seller.id,
      buyerId: other.id,
      orderId: second.orderId,
      priceCents: 15_000,
    });
    const transfers = (await outboxEvents(tickets, ticketsEvents.ticketTransferred.type)).filter(
      (e) => e.data.id === ticket.id,
    );
    expect(transfers.map((e) => e.data)).toEqual([
      {
        id: ticket.id,
        fromOwnerId: seller.id,
        toOwnerId: other.id,
        orderId: second.orderId,
        status: 'valid',
        version: 6,
      },
    ]);

    // Sold: the former owner can no longer list it, buyers can no longer lock it; the new owner can resell it.
    expect(
      (await api('POST', '/api/resale', seller, { ticketId: ticket.id, priceCents: 100 })).status,
    ).toBe(403);
    expect(await requestHold(orders, resaleHold(ticket.id, fan('late')))).toEqual({
      held: false,
      reason: 'listing_unavailable',
      available: 0,
    });
    expect(
      (await api('POST', '/api/resale', other, { ticketId: ticket.id, priceCents: 19_500 })).status,
    ).toBe(201);
  });

  test('when a resale hold is repeated, then it answers the same and locks once', async () => {
    const [ticket] = await buyTickets(seller, 501, 3, 1);
    const { body } = await api('POST', '/api/resale', seller, {
      ticketId: ticket.id,
      priceCents: 1000,
    });
    const request = resaleHold(ticket.id);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => requestHold(orders, request)),
    );
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ held: true, listingId: body.listing.id });
    expect((await listingEvents(body.listing.id)).map((e) => e.version)).toEqual([1, 2]);
  });

  test('when a ticket has no listing, then a resale hold is 404', async () => {
    const [ticket] = await buyTickets(seller, 501, 3, 1);
    await expect(requestHold(orders, resaleHold(ticket.id))).rejects.toMatchObject({
      status: 404,
      code: 'listing_not_found',
    });
    await expect(requestHold(orders, resaleHold(randomUUID()))).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe('price cap configuration', () => {
  test('when RESALE_PRICE_CAP_RATIO is 0.8, then 80% of face value is the most a ticket can be listed for', async () => {
    const capped = await startTicketsService({ ...env.env, RESALE_PRICE_CAP_RATIO: '0.8' });
    try {
      const [ticket] = await buyTickets(seller, 501, 1, 1);
      const over = await call(capped.url, 'POST', '/api/resale', {
        token: tokenOf(seller),
        body: { ticketId: ticket.id, priceCents: 6001 },
      });
      expect(over.status).toBe(400);
      const at = await call(capped.url, 'POST', '/api/resale', {
        token: tokenOf(seller),
        body: { ticketId: ticket.id, priceCents: 6000 },
      });
      expect(at.status).toBe(201);
    } finally {
      await capped.close();
    }
  });
});
