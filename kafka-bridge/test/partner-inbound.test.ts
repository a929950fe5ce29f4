import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { eventually } from '@ticketaka/common/testing';
import { kafkaServer } from '../../infra/src/servers/kafka.server';
import type { RunningServer } from '../../infra/src/servers/server';
import {
  createTopics,
  ledgerOf,
  listedMatch,
  networkTopics,
  publishMasterList,
  RawPartner,
  readTopic,
  startPlatform,
  type Platform,
} from './support/partner-network';
import { SEED_MASTER_LIST } from '../../tickets/src/data-access/seed/master-list-file';

// The organiser's two published shapes of the list, as committed in the repository.
const lists: Record<string, string> = {
  'master-list.json': SEED_MASTER_LIST,
  'master-list.count-format.json': path.join(
    __dirname,
    '..',
    '..',
    'tickets',
    'test',
    'fixtures',
    'master-list.count-format.json',
  ),
};
const readList = (file: string) =>
  JSON.parse(fs.readFileSync(lists[file] as string, 'utf8')) as { matchNumber: number }[];

describe('kafka-bridge inbound: master list and partner sales from the shared topics', () => {
  let kafka: RunningServer;
  let platform: Platform;
  let partner: RawPartner;
  const topics = networkTopics(`inbound-${randomBytes(4).toString('hex')}`);

  beforeAll(async () => {
    kafka = await kafkaServer.ensure();
    await createTopics(kafka.url, topics);
    platform = await startPlatform('bridge inbound', {
      clientId: 'ticketaka',
      brokers: kafka.url,
      topics,
    });
    partner = new RawPartner(kafka.url, 'fifa-partner', topics.ticketSales);
    await partner.connect();
  }, 180_000);

  afterAll(async () => {
    await partner?.disconnect();
    await platform?.close();
    if (kafka?.started) await kafka.stop();
  });

  const listing = async () => {
    const response = await fetch(`${platform.tickets.url}/api/matches`);
    return (
      (await response.json()) as {
        matches: { matchNumber: number; categories: { category: number; capacity: number }[] }[];
      }
    ).matches;
  };

  it('when both published shapes of the master list arrive, twice, then GET /api/matches shows each match once', async () => {
    const countFormat = readList('master-list.count-format.json');
    const current = readList('master-list.json');
    await publishMasterList(kafka.url, topics.masterList, countFormat);
    await publishMasterList(kafka.url, topics.masterList, current);
    await publishMasterList(kafka.url, topics.masterList, countFormat);

    const matches = await eventually(async () => {
      const status = await ledgerOf(platform, 1);
      expect(status.messages.loaded).toBe(192);
      return listing();
    }, 60_000);

    expect(matches).toHaveLength(64);
    expect(new Set(matches.map((m) => m.matchNumber)).size).toBe(64);
    // The first listing of a category wins: the older shape came first and said 20.
    const first = matches.find((m) => m.matchNumber === 1);
    expect(first?.categories.map((c) => c.capacity)).toEqual([20, 20, 20]);
    const status = await ledgerOf(platform, 1);
    expect(status.messages.invalid ?? 0).toBe(0);
    expect(status.ledger.map((c) => c.capacity)).toEqual([20, 20, 20]);
  });

  it('when new matches arrive in each shape, then each appears with its own capacity', async () => {
    const current = listedMatch(101, 7);
    const older = {
      ...listedMatch(102, 0),
      availability: {
        category1: { count: 9, price: 75 },
        category2: { count: 8, price: 125 },
        category3: { count: 4, price: 195 },
      },
      group: null,
      homeTeam: '1A',
      awayTeam: '2B',
    };
    await publishMasterList(kafka.url, topics.masterList, [current, older, current]);

    await eventually(async () => {
      expect((await platform.category(101, 1)).capacity).toBe(7);
      expect((await platform.category(102, 3)).capacity).toBe(4);
    }, 20_000);
    expect(await platform.category(102, 1)).toMatchObject({
      capacity: 9,
      available: 9,
      pending: 9,
      state: 'available',
    });
  });

  it('when a partner holds, sells and releases tickets, then our counts and states move as the wire format says', async () => {
    await publishMasterList(kafka.url, topics.masterList, [listedMatch(103, 10)]);
    await eventually(
      async () => expect((await platform.category(103, 2)).capacity).toBe(10),
      20_000,
    );

    await partner.send('TICKET_PENDING', 103, 2, 4);
    await eventually(
      async () =>
        expect(await platform.category(103, 2)).toMatchObject({ available: 10, pending: 6 }),
      20_000,
    );

    await partner.send('TICKET_RESERVED', 103, 2, 3);
    await eventually(
      async () =>
        expect(await platform.category(103, 2)).toMatchObject({ available: 7, pending: 6 }),
      20_000,
    );

    await partner.send('TICKET_CANCELLED', 103, 2, 1);
    await eventually(
      async () =>
        expect(await platform.category(103, 2)).toMatchObject({ available: 7, pending: 7 }),
      20_000,
    );

    // The older array shape, an optional numeric body.id, and the producer named in meta.
    await partner.sendRaw(
      JSON.stringify({
        meta: { action: 'TICKET_PENDING', clientId: 'fifa-partner' },
        body: { id: 17, matchNumber: 103, tickets: [{ category: 2, quantity: 7, price: 125 }] },
      }),
      { key: '103-2' },
    );
    await eventually(
      async () =>
        expect(await platform.category(103, 2)).toMatchObject({
          available: 7,
          pending: 0,
          state: 'temporarily_unavailable',
        }),
      20_000,
    );

    await partner.send('TICKET_RESERVED', 103, 2, 7);
    await eventually(
      async () =>
        expect(await platform.category(103, 2)).toMatchObject({
          available: 0,
          pending: 0,
          state: 'sold_out',
        }),
      20_000,
    );
    expect(await platform.inventory(103, 2)).toMatchObject({
      held: 0,
      sold: 0,
      partner_held: 0,
      partner_sold: 10,
    });
  });

  it('when our own signed messages come back, then they decide our hold once; unsigned ones naming us (header, meta.clientId, body.clientId) are booked apart and alerted', async () => {
    await publishMasterList(kafka.url, topics.masterList, [listedMatch(104, 10)]);
    await eventually(
      async () => expect((await platform.category(104, 1)).capacity).toBe(10),
      20_000,
    );

    const { orderId, held } = await platform.hold(104, 1, 2);
    expect(held).toBe(true);
    // Our PENDING went out, came back, was granted: the hold is confirmed, counted once.
    await eventually(
      async () => expect(await platform.holdStatus(orderId)).toBe('confirmed'),
      20_000,
    );
    expect(await platform.inventory(104, 1)).toMatchObject({ held: 2, partner_held: 0 });

    const impostor = new RawPartner(kafka.url, 'ticketaka', topics.ticketSales);
    await impostor.connect();
    // "Cancel" our hold with our client id in the header, even naming our hold: refused,
    // the spoofed identity holds nothing.
    await impostor.send('TICKET_CANCELLED', 104, 1, 2, { headers: { holdId: orderId } });
    await impostor.sendRaw(
      JSON.stringify({
        meta: { action: 'TICKET_PENDING', clientId: 'ticketaka' },
        body: { matchNumber: 104, tickets: { category: 1, quantity: 1, price: 75 } },
      }),
      { key: '104-1', headers: { clientId: '' } },
    );
    await impostor.sendRaw(
      JSON.stringify({
        meta: { action: 'TICKET_PENDING' },
        body: {
          clientId: 'ticketaka',
          matchNumber: 104,
          tickets: { category: 1, quantity: 1, price: 75 },
        },
      }),
      { key: '104-1', headers: { clientId: '' } },
    );
    await impostor.disconnect();
    await partner.send('TICKET_PENDING', 104, 1, 1);
    await eventually(
      async () =>
        expect(await platform.inventory(104, 1)).toMatchObject({ held: 2, partner_held: 3 }),
      20_000,
    );
    expect(await platform.holdStatus(orderId)).toBe('confirmed');
    const status = await ledgerOf(platform, 104);
    expect(status.ledger[0]?.holdings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ platform: 'ticketaka', held: 2 }),
        expect.objectContaining({ platform: 'unverified:ticketaka', held: 2 }),
      ]),
    );
    const metrics = await (await fetch(`${platform.bridge.url}/metrics`)).text();
    expect(metrics).toMatch(/partner_security_alerts_total\{kind="spoofed_identity"[^}]*\} 3/);

    const sent = (await readTopic(kafka.url, topics.ticketSales)).filter(
      (m) => m.headers.holdId === orderId && m.headers.ticketakaSignature,
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      key: '104-1',
      headers: { clientId: 'ticketaka', holdId: orderId },
    });
    expect(JSON.parse(sent[0]?.value ?? '')).toEqual({
      meta: { action: 'TICKET_PENDING' },
      body: { matchNumber: 104, tickets: { category: 1, quantity: 2, price: 75 } },
    });
  });

  it('when partners send malformed, unknown, mistyped, negative, unknown-match, extra-key or impossible messages, then each is dead-lettered with its reason and the consumer keeps going', async () => {
    await publishMasterList(kafka.url, topics.masterList, [listedMatch(105, 10)]);
    await eventually(
      async () => expect((await platform.category(105, 3)).capacity).toBe(10),
      20_000,
    );
    const good = {
      meta: { action: 'TICKET_PENDING' },
      body: { matchNumber: 105, tickets: { category: 3, quantity: 1, price: 195 } },
    };
    const variant = (change: (m: typeof good & Record<string, unknown>) => unknown) =>
      JSON.stringify(
        change(JSON.parse(JSON.stringify(good)) as typeof good & Record<string, unknown>),
      );
    const bad: [string, string][] = [
      ['malformed_json', '{"meta": {"action": "TICKET_PENDING"}, "body": '],
      ['unknown_action', variant((m) => ({ ...m, meta: { action: 'TICKET_SOLD' } }))],
      ['invalid_message', variant((m) => ({ ...m, body: { ...m.body, matchNumber: '105' } }))],
      [
        'invalid_message',
        variant((m) => ({
          ...m,
          body: { ...m.body, tickets: { category: 3, quantity: -2, price: 195 } },
        })),
      ],
      [
        'invalid_message',
        variant((m) => ({ ...m, meta: { action: 'TICKET_PENDING', priority: 'high' } })),
      ],
      [
        'invalid_message',
        variant((m) => ({
          ...m,
          body: { ...m.body, tickets: { category: 3, quantity: 1, price: 195, seat: 'A1' } },
        })),
      ],
      ['unknown_match', variant((m) => ({ ...m, body: { ...m.body, matchNumber: 999 } }))],
      ['exceeds_holds', variant((m) => ({ ...m, meta: { action: 'TICKET_CANCELLED' } }))],
      ['empty_message', ''],
    ];
    for (const [, value] of bad) await partner.sendRaw(value, { key: '105-3' });
    await partner.sendRaw(JSON.stringify(good), { key: '105-3' });

    await eventually(
      async () =>
        expect(await platform.category(105, 3)).toMatchObject({ available: 10, pending: 9 }),
      20_000,
    );
    const letters = await eventually(async () => {
      const found = (await readTopic(kafka.url, platform.deadLetterTopic)).map(
        (m) =>
          JSON.parse(m.value ?? '{}') as { reasonCode: string; reason: string; payload: string },
      );
      expect(found.length).toBeGreaterThanOrEqual(bad.length);
      return found;
    }, 20_000);
    const ofThis = letters.filter((l) => bad.some(([, value]) => value === l.payload));
    expect(ofThis.map((l) => l.reasonCode).sort()).toEqual(bad.map(([code]) => code).sort());
    for (const letter of ofThis) expect(letter.reason.length).toBeGreaterThan(5);
    expect(ofThis.find((l) => l.payload.includes('quantity":-2'))?.reason).toMatch(/quantity/);
    expect(ofThis.find((l) => l.payload.includes('priority'))?.reason).toMatch(
      /priority|unrecognized/i,
    );

    const metrics = await (await fetch(`${platform.bridge.url}/metrics`)).text();
    expect(metrics).toMatch(
      /partner_messages_dead_lettered_total\{reason="malformed_json"[^}]*\} 1/,
    );
    expect(metrics).toMatch(
      /partner_messages_dead_lettered_total\{reason="invalid_message"[^}]*\} 4/,
    );
  });

  it('when a message is duplicated (same body.id) or the whole log is replayed from the start, then nothing changes', async () => {
    await publishMasterList(kafka.url, topics.masterList, [listedMatch(106, 10)]);
    await eventually(
      async () => expect((await platform.category(106, 1)).capacity).toBe(10),
      20_000,
    );
    const withId = { body: { id: 4242 } };
    await partner.send('TICKET_PENDING', 106, 1, 3, withId);
    await partner.send('TICKET_PENDING', 106, 1, 3, withId);
    await partner.send('TICKET_PENDING', 106, 1, 1);
    await eventually(
      async () => expect(await platform.category(106, 1)).toMatchObject({ pending: 6 }),
      20_000,
    );

    const before = await Promise.all(
      [101, 102, 103, 104, 105, 106].map((m) => ledgerOf(platform, m)),
    );
    const inventoryBefore = await platform.tickets.runtime.pool.query(
      'SELECT * FROM inventory ORDER BY 1, 2',
    );
    const entriesBefore = await platform.bridge.runtime.pool.query(
      'SELECT count(*)::int AS n FROM ledger_entries',
    );

    // Replay: the bridge stops, its consumer groups go back to the first offset, it starts again.
    const { rows } = await platform.bridge.runtime.pool.query<{ ledger_id: string }>(
      'SELECT ledger_id FROM bridge_identity',
    );
    const suffix = rows[0]?.ledger_id.slice(0, 8);
    await platform.bridge.close();
    const { Kafka, logLevel } = await import('kafkajs');
    const admin = new Kafka({
      clientId: 'test-admin',
      brokers: [kafka.url],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    for (const topic of [topics.masterList, topics.ticketSales]) {
      await admin.resetOffsets({
        groupId: `ticketaka.kafka-bridge.${topic}.${suffix}`,
        topic,
        earliest: true,
      });
    }
    await admin.disconnect();
    await platform.startBridge();
    await partner.send('TICKET_PENDING', 106, 1, 1);
    await eventually(
      async () => expect(await platform.category(106, 1)).toMatchObject({ pending: 5 }),
      30_000,
    );

    const after = await Promise.all([101, 102, 103, 104, 105].map((m) => ledgerOf(platform, m)));
    expect(after.map((s) => s.ledger)).toEqual(before.slice(0, 5).map((s) => s.ledger));
    const inventoryAfter = await platform.tickets.runtime.pool.query(
      'SELECT * FROM inventory WHERE match_number <> 106 ORDER BY 1, 2',
    );
    expect(inventoryAfter.rows).toEqual(
      inventoryBefore.rows.filter((r: { match_number: number }) => r.match_number !== 106),
    );
    const status = await ledgerOf(platform, 106);
    expect(status.ledger[0]).toMatchObject({ pending: 5 });
    // Every replayed offset found its entry; only the one new message was recorded.
    const entriesAfter = await platform.bridge.runtime.pool.query(
      'SELECT count(*)::int AS n FROM ledger_entries',
    );
    expect(entriesAfter.rows[0].n).toBe(entriesBefore.rows[0].n + 1);
    expect(status.messages.duplicate).toBeGreaterThanOrEqual(1);
  });
});
