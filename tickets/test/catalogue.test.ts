import fs from 'node:fs';
import path from 'node:path';
import {
  LOAD_MASTER_LIST_SUBJECT,
  loadMasterListResponseSchema,
  ticketsEvents,
  type EventBus,
} from '@ticketaka/common';
import { createTestEnvironment, eventually, type TestEnvironment } from '@ticketaka/common/testing';
import { SEED_MASTER_LIST, startTicketsService } from '../src/tickets-service';
import {
  call,
  connectAs,
  counts,
  masterListMatch,
  outboxEvents,
  primaryHold,
  requestHold,
  requestPartnerSale,
  type Json,
  type TicketsService,
} from './tickets-test-kit';

let env: TestEnvironment;
let tickets: TicketsService;
let bridge: EventBus;

beforeAll(async () => {
  env = await createTestEnvironment('tickets-catalogue');
  tickets = await startTicketsService(env.env);
  bridge = await connectAs(env, 'kafka-bridge');
});
afterAll(async () => {
  await bridge.close();
  await tickets.close();
  await env.cleanup();
});

const loadViaBridge = (matches: unknown[]) =>
  bridge.request(LOAD_MASTER_LIST_SUBJECT, { matches }, loadMasterListResponseSchema, 15_000);
const tableCount = async (table: string) =>
  Number((await tickets.runtime.pool.query(`SELECT count(*) FROM ${table}`)).rows[0].count);
const get = (p: string) => call(tickets.url, 'GET', p);

describe('master list', () => {
  test('when the service starts, then the 64 matches and their 192 categories are loaded and announced once', async () => {
    expect(await tableCount('matches')).toBe(64);
    expect(await tableCount('inventory')).toBe(192);
    expect(await outboxEvents(tickets, ticketsEvents.inventoryChanged.type)).toHaveLength(192);
    expect(await counts(tickets, 1, 1)).toMatchObject({
      capacity: 5,
      sold: 0,
      held: 0,
      partner_held: 0,
      partner_sold: 0,
    });
  });

  test('when the service restarts (a second load), then nothing changes and nothing is announced again', async () => {
    const events = await tableCount('outbox');
    await tickets.close();
    tickets = await startTicketsService(env.env);
    expect(await tableCount('matches')).toBe(64);
    expect(await tableCount('inventory')).toBe(192);
    expect(await tableCount('outbox')).toBe(events);
  });

  test('when the older count-shaped list is loaded after tickets moved, then it loads and no count is reset', async () => {
    await requestHold(bridge, primaryHold(2, 1, 3));
    await requestPartnerSale(bridge, {
      messageKey: 'k1',
      action: 'TICKET_PENDING',
      matchNumber: 2,
      category: 1,
      quantity: 2,
    });
    const before = await counts(tickets, 2, 1);
    const countShaped = JSON.parse(
      fs.readFileSync(path.join(__dirname, 'fixtures', 'master-list.count-format.json'), 'utf8'),
    );
    expect(countShaped[0].availability.category1).toHaveProperty('count');
    expect(await loadViaBridge(countShaped)).toEqual({
      matchesCreated: 0,
      matchesUpdated: 0,
      categoriesCreated: 0,
    });
    const current = JSON.parse(fs.readFileSync(SEED_MASTER_LIST, 'utf8'));
    expect(await loadViaBridge(current)).toEqual({
      matchesCreated: 0,
      matchesUpdated: 0,
      categoriesCreated: 0,
    });
    expect(await counts(tickets, 2, 1)).toEqual(before);
    expect(before).toMatchObject({ held: 3, partner_held: 2 });
  });

  test('when the count-shaped list is loaded into an empty catalogue, then it gives the same catalogue', async () => {
    const other = await createTestEnvironment('tickets-catalogue-count');
    const fresh = await startTicketsService({ ...other.env, LOAD_MASTER_LIST_ON_START: 'false' });
    try {
      const bus = await connectAs(other, 'kafka-bridge');
      const countShaped = JSON.parse(
        fs.readFileSync(path.join(__dirname, 'fixtures', 'master-list.count-format.json'), 'utf8'),
      );
      expect(
        await bus.request(
          LOAD_MASTER_LIST_SUBJECT,
          { matches: countShaped },
          loadMasterListResponseSchema,
        ),
      ).toEqual({
        matchesCreated: 64,
        matchesUpdated: 0,
        categoriesCreated: 192,
      });
      await bus.close();
      const a = (await call(fresh.url, 'GET', '/api/matches')).body.matches;
      const b = (await get('/api/matches')).body.matches;
      // The two published files differ in one count only: match 1's category 1 (20 vs 5).
      const shape = (ms: Json[]) =>
        ms.map((m) => ({
          ...m,
          categories: m.categories.map((c: Json) => [c.category, c.priceCents]),
        }));
      expect(shape(a)).toEqual(shape(b));
      expect(a[0].categories[0]).toMatchObject({ capacity: 20, available: 20, pending: 20 });
    } finally {
      await fresh.close();
      await other.cleanup();
    }
  });

  test('when a later list names the teams, then they replace the placeholders, and a replayed early list does not undo it', async () => {
    const early = masterListMatch(49, 20, {
      homeTeam: '1A',
      awayTeam: '2B',
      location: 'TBA',
      group: null,
      roundNumber: 4,
    });
    await loadViaBridge([{ ...early, matchNumber: 300 }]);
    expect(
      await loadViaBridge([
        {
          ...early,
          matchNumber: 300,
          homeTeam: 'Netherlands',
          awayTeam: 'USA',
          location: 'Khalifa International Stadium',
        },
      ]),
    ).toEqual({ matchesCreated: 0, matchesUpdated: 1, categoriesCreated: 0 });
    await loadViaBridge([{ ...early, matchNumber: 300 }]);
    const { body } = await get('/api/matches/300');
    expect(body.match).toMatchObject({
      homeTeam: 'Netherlands',
      awayTeam: 'USA',
      venue: 'Khalifa International Stadium',
      group: null,
    });
  });

  test('when the bridge sends a malformed match, then 400 and nothing is loaded', async () => {
    const before = await tableCount('matches');
    await expect(loadViaBridge([{ matchNumber: 'x' }])).rejects.toMatchObject({ status: 400 });
    await expect(
      loadViaBridge([{ ...masterListMatch(301, 5), availability: {} }]),
    ).rejects.toMatchObject({ status: 400 });
    expect(await tableCount('matches')).toBe(before);
  });
});

describe('GET /api/matches', () => {
  test('when listing without filters, then every match is there in kick-off order with its categories', async () => {
    const { status, body } = await get('/api/matches');
    expect(status).toBe(200);
    const kickOffs = body.matches.map((m: { kickOff: string }) => m.kickOff);
    expect([...kickOffs].sort()).toEqual(kickOffs);
    const opener = body.matches[0];
    expect(opener).toMatchObject({
      matchNumber: 1,
      roundNumber: 1,
      kickOff: '2022-11-20T16:00:00.000Z',
      venue: 'Al Bayt Stadium',
      homeTeam: 'Qatar',
      awayTeam: 'Ecuador',
      group: 'A',
    });
    expect(opener.categories).toEqual([
      {
        category: 1,
        priceCents: 7500,
        currency: 'USD',
        capacity: 5,
        available: 5,
        pending: 5,
        state: 'available',
        version: 1,
      },
      {
        category: 2,
        priceCents: 12_500,
        currency: 'USD',
        capacity: 20,
        available: 20,
        pending: 20,
        state: 'available',
        version: 1,
      },
      {
        category: 3,
        priceCents: 19_500,
        currency: 'USD',
        capacity: 20,
        available: 20,
        pending: 20,
        state: 'available',
        version: 1,
      },
    ]);
  });

  test.each([
    ['team=argentina', (m: Json) => [m.homeTeam, m.awayTeam].includes('Argentina'), 3],
    ['group=c', (m: Json) => m.group === 'C', 6],
    ['round=1', (m: Json) => m.roundNumber === 1, 16],
    ['venue=Lusail%20Stadium', (m: Json) => m.venue === 'Lusail Stadium', undefined],
    ['from=2022-11-21&to=2022-11-21', (m: Json) => m.kickOff.startsWith('2022-11-21'), 3],
    ['team=Argentina&round=1', (m: Json) => m.matchNumber === 8, 1],
  ])(
    'when filtering by %s, then only the matching matches are returned',
    async (query, predicate, expected) => {
      const { status, body } = await get(`/api/matches?${query}`);
      expect(status).toBe(200);
      expect(body.matches.length).toBeGreaterThan(0);
      if (expected !== undefined) expect(body.matches).toHaveLength(expected);
      for (const m of body.matches) expect(predicate(m)).toBe(true);
    },
  );

  test.each([
    ['round=9', 'query.round'],
    ['round=one', 'query.round'],
    ['group=Z', 'query.group'],
    ['from=yesterday', 'query.from'],
    ['from=2022-12-01&to=2022-11-01', 'query.from'],
    ['colour=blue', undefined],
    ['team=', 'query.team'],
  ])(
    'when the query is %s, then 400 validation_failed naming the parameter',
    async (query, field) => {
      const { status, body } = await get(`/api/matches?${query}`);
      expect(status).toBe(400);
      expect(body.errors[0].code).toBe('validation_failed');
      if (field) expect(body.errors.map((e: { field: string }) => e.field)).toContain(field);
    },
  );
});

describe('GET /api/matches/:matchNumber', () => {
  test('when the match exists, then its categories show counts and state as partners and holds moved them', async () => {
    await requestHold(bridge, primaryHold(1, 1, 2));
    await requestPartnerSale(bridge, {
      messageKey: 'm1-p',
      action: 'TICKET_PENDING',
      matchNumber: 1,
      category: 1,
      quantity: 3,
    });
    const { status, body } = await get('/api/matches/1');
    expect(status).toBe(200);
    expect(body.match.categories[0]).toMatchObject({
      category: 1,
      available: 5,
      pending: 0,
      state: 'temporarily_unavailable',
    });
    await requestPartnerSale(bridge, {
      messageKey: 'm1-r',
      action: 'TICKET_RESERVED',
      matchNumber: 1,
      category: 1,
      quantity: 3,
    });
    // The catalogue is served from memory: as fresh as the inventory events (and never more
    // than 1 s behind the database), not read again after every write.
    await eventually(async () => {
      expect((await get('/api/matches/1')).body.match.categories[0]).toMatchObject({
        available: 2,
        pending: 0,
      });
    }, 1_000);
  });

  test('when the match is unknown, then 404 match_not_found', async () => {
    const { status, body } = await get('/api/matches/999');
    expect(status).toBe(404);
    expect(body.errors[0].code).toBe('match_not_found');
  });

  test.each(['abc', '0', '1000', '1.5', '-1'])(
    'when the match number is %s, then 400',
    async (value) => {
      const { status, body } = await get(`/api/matches/${value}`);
      expect(status).toBe(400);
      expect(body.errors[0].field).toBe('params.matchNumber');
    },
  );
});
