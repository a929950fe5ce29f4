import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { eventually, sleep } from '@ticketaka/common/testing';
import { kafkaServer } from '../../infra/src/servers/kafka.server';
import type { RunningServer } from '../../infra/src/servers/server';
import {
  createTopics,
  ledgerOf,
  listedMatch,
  networkTopics,
  partitionForKey,
  publishMasterList,
  RawPartner,
  readTopic,
  settled,
  signedAsTicketaka,
  startPlatform,
  type Platform,
} from './support/partner-network';

// Partners are other teams' kafkajs producers on the same topics; two Ticketaka instances
// (own databases, own client ids, one shared signing key) must agree on everything.
// Long enough for every hold of ours in these tests to be sold or released first, even on a busy machine.
const TTL_MINUTES = 0.75;
const PARTITIONS = 3;

describe('partner sync survives hostile and imperfect partners', () => {
  let kafka: RunningServer;
  let a: Platform;
  let b: Platform;
  let partner: RawPartner;
  let attacker: RawPartner;
  const topics = networkTopics(`hostile-${randomBytes(4).toString('hex')}`);
  const partitionOf = (key: string) => partitionForKey(topics.ticketSales, key, PARTITIONS);
  /** A (match, category) of these matches whose category key lands on the partition. */
  const categoryOn = (partition: number, matches: number[], skip: string[] = []) => {
    for (const match of matches)
      for (const category of [1, 2, 3]) {
        const key = `${match}-${category}`;
        if (partitionOf(key) === partition && !skip.includes(key)) return { match, category, key };
      }
    throw new Error(`no category of ${matches.join(',')} on partition ${partition}`);
  };
  const both = () => [a, b] as const;
  /** Waits until the log decided each local hold; returns the confirmed ones. */
  const confirmedOf = <H extends { orderId: string; held: boolean }>(
    platform: Platform,
    holds: H[],
  ) =>
    eventually(async () => {
      const placed = holds.filter((h) => h.held);
      const statuses = await Promise.all(placed.map((h) => platform.holdStatus(h.orderId)));
      for (const s of statuses) expect(['confirmed', 'released']).toContain(s);
      return placed.filter((_, i) => statuses[i] === 'confirmed');
    }, 60_000);

  beforeAll(async () => {
    kafka = await kafkaServer.ensure();
    await createTopics(kafka.url, topics, PARTITIONS);
    const env = {
      PARTNER_TICKETAKA_CLIENT_IDS: 'ticketaka-a,ticketaka-b',
      PARTNER_HOLD_TTL_MINUTES: String(TTL_MINUTES),
    };
    [a, b] = await Promise.all([
      startPlatform('hostile a', { clientId: 'ticketaka-a', brokers: kafka.url, topics, env }),
      startPlatform('hostile b', { clientId: 'ticketaka-b', brokers: kafka.url, topics, env }),
    ]);
    partner = new RawPartner(kafka.url, 'fifa-partner', topics.ticketSales);
    attacker = new RawPartner(kafka.url, 'ticketaka-a', topics.ticketSales);
    await Promise.all([partner.connect(), attacker.connect()]);
    await publishMasterList(
      kafka.url,
      topics.masterList,
      [401, 402, 403, 404, 405, 406, 407, 408].map((m) => listedMatch(m, m === 402 ? 20 : 10)),
    );
    await eventually(async () => {
      for (const platform of both()) expect((await platform.category(407, 3)).capacity).toBe(10);
    }, 60_000);
  }, 240_000);

  afterAll(async () => {
    await partner?.disconnect();
    await attacker?.disconnect();
    await a?.close();
    await b?.close();
    if (kafka?.started) await kafka.stop();
  });

  it('when NUL bytes (value, headers), a 1 MB value and invalid UTF-8 arrive on every partition, then the next valid message on each partition is applied within seconds on both instances', async () => {
    const hostile: { name: string; value: Buffer; headers?: Record<string, Buffer> }[] = [
      {
        name: 'nul value',
        value: Buffer.concat([
          Buffer.from('{"meta":{"action":"TICKET_PENDING"}'),
          Buffer.alloc(5000),
        ]),
      },
      { name: '1 MB value', value: Buffer.alloc(1_000_000, '"') },
      { name: 'invalid utf-8', value: Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0xfe, 0x7d]) },
    ];
    for (let partition = 0; partition < PARTITIONS; partition += 1)
      for (const message of hostile) await partner.sendRaw(message.value, { partition, key: 'x' });

    // NUL in header names and values on a valid message: stored safely and applied.
    const nulHeaders = categoryOn(1, [403]);
    await partner.sendRaw(
      JSON.stringify({
        meta: { action: 'TICKET_PENDING' },
        body: {
          matchNumber: nulHeaders.match,
          tickets: { category: nulHeaders.category, quantity: 1, price: 75 },
        },
      }),
      {
        key: nulHeaders.key,
        anonymous: true,
        headers: { clientId: 'nul\u0000partner', 'x\u0000y': Buffer.from([0, 0xff, 0, 0x41]) },
      },
    );
    const sent = Date.now();
    // The next valid message on every partition.
    const valid = [0, 1, 2].map((p) => categoryOn(p, [401]));
    for (const v of valid) await partner.send('TICKET_PENDING', v.match, v.category, 2);

    await eventually(
      async () => {
        for (const platform of both()) {
          for (const v of valid)
            expect((await platform.inventory(v.match, v.category)).partner_held).toBe(2);
          expect(
            (await platform.inventory(nulHeaders.match, nulHeaders.category)).partner_held,
          ).toBe(1);
        }
      },
      15_000,
      100,
    );
    process.stderr.write(
      `[hostile bytes] valid messages behind ${hostile.length * PARTITIONS} hostile ones applied on both instances ${Date.now() - sent} ms after sending\n`,
    );

    // Each hostile message is recorded (raw bytes truncated, digest of the whole) and dead-lettered, bounded.
    const { rows } = await a.bridge.runtime.pool.query<{
      reason_code: string;
      payload_size: number;
      payload_sha256: string;
      kept: number;
    }>(
      `SELECT reason_code, payload_size, payload_sha256, length(payload_bytes) AS kept FROM ledger_entries
       WHERE topic = $1 AND outcome = 'invalid' ORDER BY "partition", "offset"`,
      [topics.ticketSales],
    );
    expect(rows.map((r) => r.reason_code)).toEqual(
      [0, 1, 2].flatMap(() => ['invalid_encoding', 'too_large', 'invalid_encoding']),
    );
    const big = rows.find((r) => r.reason_code === 'too_large');
    expect(big).toMatchObject({
      payload_size: 1_000_000,
      payload_sha256: createHash('sha256').update(hostile[1]!.value).digest('hex'),
    });
    expect(big!.kept).toBeLessThanOrEqual(16 * 1024);
    const letters = await eventually(async () => {
      const found = await readTopic(kafka.url, a.deadLetterTopic);
      expect(found.length).toBeGreaterThanOrEqual(9);
      return found;
    }, 20_000);
    for (const letter of letters) expect(letter.value!.length).toBeLessThan(100_000);
    const large = letters
      .map((l) => JSON.parse(l.value!) as { reasonCode: string; payloadSize: number })
      .filter((l) => l.reasonCode === 'too_large');
    expect(large).toHaveLength(3);
    for (const l of large) expect(l.payloadSize).toBe(1_000_000);
  }, 60_000);

  it('when a partner spoofs our identity to cancel, replay, void or "sell" as us, then nothing of ours changes and a two-instance race still oversells nothing', async () => {
    const MATCH = 402;
    const CAPACITY = 20;
    const ours = await a.hold(MATCH, 1, 2);
    await eventually(
      async () => expect(await a.holdStatus(ours.orderId)).toBe('confirmed'),
      20_000,
    );
    const original = (await readTopic(kafka.url, topics.ticketSales)).find(
      (m) => m.headers.holdId === ours.orderId,
    );
    expect(original?.headers.ticketakaSignature).toBeDefined();

    // 1. cancel our holding with our client id in the header
    await attacker.send('TICKET_CANCELLED', MATCH, 1, 2);
    // 2. replay our PENDING: verbatim (a duplicate), and with a fresh event id (no longer signed)
    await attacker.sendRaw(original!.value, {
      key: original!.key,
      partition: original!.partition,
      headers: original!.headers,
    });
    await attacker.sendRaw(original!.value, {
      key: original!.key,
      headers: { ...original!.headers, eventId: randomUUID() },
    });
    // 3. void our hold: our signed PENDING copied onto another partition
    await attacker.sendRaw(original!.value, {
      key: original!.key,
      partition: (original!.partition + 1) % PARTITIONS,
      headers: original!.headers,
    });
    // 4. an "own" sale: PENDING + RESERVED naming us, unsigned
    await attacker.send('TICKET_PENDING', MATCH, 1, 3, { headers: { eventId: randomUUID() } });
    await attacker.send('TICKET_RESERVED', MATCH, 1, 3);
    // an honest partner message after them proves they were all read
    await partner.send('TICKET_PENDING', MATCH, 1, 1);

    await eventually(async () => {
      for (const platform of both()) {
        const status = await ledgerOf(platform, MATCH);
        const holdings = status.ledger.find((c) => c.category === 1)?.holdings ?? [];
        expect(holdings.find((h) => h.platform === 'fifa-partner')?.held).toBe(1);
        // our holding is exactly our fan's hold; the spoofs are booked apart
        expect(holdings.find((h) => h.platform === 'ticketaka-a')).toMatchObject({
          held: 2,
          sold: 0,
        });
        expect(holdings.find((h) => h.platform === 'unverified:ticketaka-a')).toMatchObject({
          sold: 3,
        });
      }
    }, 20_000);
    expect(await a.holdStatus(ours.orderId)).toBe('confirmed');
    // The spoofed sale is a partner's sale for the catalogue of both instances.
    for (const platform of both())
      expect((await platform.inventory(MATCH, 1)).partner_sold).toBe(3);
    const metrics = await (await fetch(`${a.bridge.url}/metrics`)).text();
    expect(metrics).toMatch(/partner_security_alerts_total\{kind="spoofed_identity"[^}]*\} [4-9]/);
    const duplicates = await a.bridge.runtime.pool.query(
      "SELECT count(*)::int AS n FROM ledger_entries WHERE outcome = 'duplicate' AND verified",
    );
    expect(duplicates.rows[0].n).toBe(1);

    await a.complete(ours.orderId, MATCH, 1, 2);

    // The race for what is left: both instances' fans and the partner at once.
    const wave = (platform: Platform) =>
      Promise.all(
        [1, 2, 2, 1, 2].map((q) => platform.hold(MATCH, 1, q).then((h) => ({ ...h, q }))),
      );
    const [holdsA, holdsB] = await Promise.all([
      wave(a),
      wave(b),
      Promise.all([2, 2, 2].map((q) => partner.send('TICKET_PENDING', MATCH, 1, q))),
    ]);
    const [confirmedA, confirmedB] = await Promise.all([
      confirmedOf(a, holdsA),
      confirmedOf(b, holdsB),
    ]);
    for (const h of confirmedA) await a.complete(h.orderId, MATCH, 1, h.q);
    for (const h of confirmedB) await b.complete(h.orderId, MATCH, 1, h.q);
    for (const q of [1, 2, 2, 2]) await partner.send('TICKET_RESERVED', MATCH, 1, q);

    await eventually(
      async () => {
        for (const platform of both()) await settled(platform, kafka.url, topics.ticketSales);
        expect(await a.holdStatus(ours.orderId)).toBe('sold');
      },
      60_000,
      250,
    );
    const [ledgerA, ledgerB] = await Promise.all([ledgerOf(a, MATCH), ledgerOf(b, MATCH)]);
    expect(ledgerA.ledger).toEqual(ledgerB.ledger);
    const category = ledgerA.ledger.find((c) => c.category === 1)!;
    const totalSold = category.holdings.reduce((sum, h) => sum + h.sold, 0);
    expect(totalSold).toBeLessThanOrEqual(CAPACITY);
    expect(totalSold).toBe(CAPACITY - category.available);
    const soldBy = (id: string) => category.holdings.find((h) => h.platform === id)?.sold ?? 0;
    expect((await a.inventory(MATCH, 1)).sold).toBe(soldBy('ticketaka-a'));
    expect((await b.inventory(MATCH, 1)).sold).toBe(soldBy('ticketaka-b'));
    for (const platform of both()) {
      const counts = await platform.category(MATCH, 1);
      expect({ available: counts.available, pending: counts.pending }).toEqual({
        available: category.available,
        pending: category.pending,
      });
    }
  }, 180_000);

  it('when master-list messages are not signed by the organiser, or carry markup, then no match is created or rewritten', async () => {
    const forged = { ...listedMatch(450, 1000), homeTeam: 'Fake' };
    const rewrite = {
      ...listedMatch(401, 10),
      homeTeam: 'Atlantis',
      dateUtc: '2030-01-01T00:00:00Z',
    };
    await publishMasterList(kafka.url, topics.masterList, [forged, rewrite], {
      privateKey: null,
      clientId: 'organiser',
    });
    const { privateKey: otherKey } = (await import('node:crypto')).generateKeyPairSync('ed25519', {
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    await publishMasterList(kafka.url, topics.masterList, [rewrite], { privateKey: otherKey });
    // Signed by the organiser, but with markup in a name: refused too.
    await publishMasterList(kafka.url, topics.masterList, [
      { ...listedMatch(451, 10), awayTeam: '<img src=x onerror=alert(1)>' },
    ]);
    await publishMasterList(kafka.url, topics.masterList, [listedMatch(452, 5)]);

    await eventually(async () => {
      for (const platform of both()) expect((await platform.category(452, 1)).capacity).toBe(5);
    }, 20_000);
    for (const platform of both()) {
      for (const missing of [450, 451]) {
        const response = await fetch(`${platform.tickets.url}/api/matches/${missing}`);
        expect(response.status).toBe(404);
      }
      const match = (await (await fetch(`${platform.tickets.url}/api/matches/401`)).json()) as {
        match?: { homeTeam: string; kickOff?: string };
        homeTeam?: string;
      };
      expect(JSON.stringify(match)).toContain('Mexico');
      expect(JSON.stringify(match)).not.toContain('Atlantis');
      const { rows } = await platform.bridge.runtime.pool.query<{ reason_code: string }>(
        'SELECT reason_code FROM ledger_entries WHERE topic = $1 AND outcome = \'invalid\' ORDER BY "offset"',
        [topics.masterList],
      );
      expect(rows.map((r) => r.reason_code)).toEqual([
        'not_organiser',
        'not_organiser',
        'not_organiser',
        'unsafe_text',
      ]);
    }
  });

  it('when partners key by match only or not at all while our fans race for the last seats, then total sold ≤ capacity and both instances decide alike', async () => {
    const MATCH = 404;
    const CAPACITY = 10;
    const byMatch = new RawPartner(kafka.url, 'match-keyed', topics.ticketSales);
    const unkeyed = new RawPartner(kafka.url, 'unkeyed', topics.ticketSales);
    await Promise.all([byMatch.connect(), unkeyed.connect()]);
    const canonical = partitionOf(`${MATCH}-1`);
    expect(partitionOf(String(MATCH))).not.toBe(canonical);

    const partnerHolds = async (p: RawPartner, key: string | null) => {
      for (const q of [2, 1, 2]) {
        await p.send('TICKET_PENDING', MATCH, 1, q, { key });
        await sleep(30);
      }
    };
    const fans = (platform: Platform) =>
      Promise.all([1, 2, 1, 2].map((q) => platform.hold(MATCH, 1, q).then((h) => ({ ...h, q }))));
    const [holdsA, holdsB] = await Promise.all([
      fans(a),
      fans(b),
      partnerHolds(byMatch, String(MATCH)),
      partnerHolds(unkeyed, null),
    ]);
    const [confirmedA, confirmedB] = await Promise.all([
      confirmedOf(a, holdsA),
      confirmedOf(b, holdsB),
    ]);
    for (const h of confirmedA) await a.complete(h.orderId, MATCH, 1, h.q);
    for (const h of confirmedB) await b.complete(h.orderId, MATCH, 1, h.q);
    // The partners "sell" everything they asked for, keyed their way.
    for (const q of [2, 1, 2]) {
      await byMatch.send('TICKET_RESERVED', MATCH, 1, q, { key: String(MATCH) });
      await unkeyed.send('TICKET_RESERVED', MATCH, 1, q, { key: null });
    }
    // The unkeyed partner re-sends one message (same body.id) and it lands on two partitions.
    const resent = { body: { id: 77 } };
    await unkeyed.send('TICKET_PENDING', MATCH, 1, 1, {
      ...resent,
      key: null,
      partition: (canonical + 1) % PARTITIONS,
    });
    await unkeyed.send('TICKET_PENDING', MATCH, 1, 1, {
      ...resent,
      key: null,
      partition: canonical,
    });
    // One more fan on each instance gives the last partner lines their place in the order.
    await sleep(500);
    for (const platform of both()) {
      const last = await platform.hold(MATCH, 1, 1);
      if (last.held) {
        await eventually(async () =>
          expect(['confirmed', 'released']).toContain(await platform.holdStatus(last.orderId)),
        );
        if ((await platform.holdStatus(last.orderId)) === 'confirmed')
          await platform.cancel(last.orderId, MATCH, 1, 1);
      }
    }

    await eventually(
      async () => {
        for (const platform of both()) await settled(platform, kafka.url, topics.ticketSales);
      },
      60_000,
      250,
    );
    const facts = (platform: Platform) =>
      platform.bridge.runtime.pool
        .query(
          `SELECT "partition", "offset", category, platform, action, placed_before, outcome FROM ledger_facts
           WHERE match_number = $1 ORDER BY "partition", "offset", category`,
          [MATCH],
        )
        .then((r) => r.rows);
    const [factsA, factsB] = await Promise.all([facts(a), facts(b)]);
    expect(factsA).toEqual(factsB);
    const copiesCounted = async (platform: Platform) => {
      const { rows } = await platform.bridge.runtime.pool.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM ledger_entries WHERE dedupe_key LIKE 'id:unkeyed:TICKET_PENDING:77@%' AND outcome <> 'duplicate')
              + (SELECT count(*) FROM ledger_facts WHERE dedupe_key LIKE 'id:unkeyed:TICKET_PENDING:77@%'
                   AND placed_before IS NOT NULL AND outcome <> 'duplicate') AS n`,
      );
      return Number(rows[0]?.n);
    };
    expect(await copiesCounted(a)).toBe(1);
    expect(await copiesCounted(b)).toBe(1);
    expect(factsA.length).toBeGreaterThan(0);
    const [ledgerA, ledgerB] = await Promise.all([ledgerOf(a, MATCH), ledgerOf(b, MATCH)]);
    expect(ledgerA.ledger).toEqual(ledgerB.ledger);
    const category = ledgerA.ledger.find((c) => c.category === 1)!;
    const totalSold = category.holdings.reduce((sum, h) => sum + h.sold, 0);
    expect(totalSold).toBeLessThanOrEqual(CAPACITY);
    expect(totalSold).toBe(CAPACITY - category.available);
    const soldBy = (id: string) => category.holdings.find((h) => h.platform === id)?.sold ?? 0;
    // Partners keyed their own way were counted: whatever of theirs the log granted, they sold.
    expect(soldBy('match-keyed') + soldBy('unkeyed')).toBeGreaterThan(0);
    expect((await a.inventory(MATCH, 1)).sold).toBe(soldBy('ticketaka-a'));
    expect((await b.inventory(MATCH, 1)).sold).toBe(soldBy('ticketaka-b'));
    for (const platform of both()) {
      const inventory = await platform.inventory(MATCH, 1);
      expect(inventory.sold + inventory.partner_sold).toBe(totalSold);
    }
    process.stderr.write(
      `[keyed differently] capacity ${CAPACITY}: sold A ${soldBy('ticketaka-a')}, B ${soldBy('ticketaka-b')}, match-keyed ${soldBy('match-keyed')}, unkeyed ${soldBy('unkeyed')}; ${factsA.length} lines placed from other partitions\n`,
    );
    await Promise.all([byMatch.disconnect(), unkeyed.disconnect()]);
  }, 180_000);

  it('when a partner PENDING is abandoned, then after its TTL from the log timestamp both instances release it, and its late sale is refused', async () => {
    const MATCH = 406;
    const ghost = new RawPartner(kafka.url, 'ghost', topics.ticketSales);
    const other = new RawPartner(kafka.url, 'other', topics.ticketSales);
    await Promise.all([ghost.connect(), other.connect()]);
    await ghost.send('TICKET_PENDING', MATCH, 2, 10);
    // The record's timestamp is taken when it is sent, so it is at most now.
    const deadline = Date.now() + TTL_MINUTES * 60_000;
    await other.send('TICKET_PENDING', MATCH, 2, 1);
    await eventually(async () => {
      for (const platform of both())
        expect(await platform.category(MATCH, 2)).toMatchObject({ available: 10, pending: 0 });
    }, 20_000);

    await sleep(Math.max(0, deadline - Date.now()) + 500);
    // The first message stamped after the deadline moves the log's clock: every instance expires the hold there.
    await other.send('TICKET_PENDING', MATCH, 2, 1);
    await eventually(async () => {
      for (const platform of both())
        expect(await platform.category(MATCH, 2)).toMatchObject({ available: 10, pending: 9 });
    }, 20_000);
    await ghost.send('TICKET_RESERVED', MATCH, 2, 10);
    await other.send('TICKET_RESERVED', MATCH, 2, 1);
    await eventually(async () => {
      for (const platform of both())
        expect(await platform.category(MATCH, 2)).toMatchObject({ available: 9, pending: 9 });
    }, 20_000);
    for (const platform of both()) {
      const { rows } = await platform.bridge.runtime.pool.query(
        `SELECT platform, ended, remaining FROM ledger_hold_lots WHERE match_number = $1 ORDER BY starts_at, lot_key`,
        [MATCH],
      );
      expect(rows).toEqual([
        { platform: 'ghost', ended: 'expired', remaining: 0 },
        { platform: 'other', ended: 'reserved', remaining: 0 },
      ]);
      const refused = await platform.bridge.runtime.pool.query(
        "SELECT reason_code FROM ledger_entries WHERE platform = 'ghost' AND outcome = 'refused'",
      );
      expect(refused.rows).toEqual([{ reason_code: 'exceeds_holds' }]);
    }
    await Promise.all([ghost.disconnect(), other.disconnect()]);
  }, 120_000);

  it('when one partition cannot move on, then every other partition is still applied within seconds', async () => {
    // A signed message that waits for a position partition `stuckBehind` will not reach soon:
    // its partition waits, as it must (the order it decides depends on that position).
    const stuck = categoryOn(0, [407]);
    const stuckBehind = 1;
    const value = JSON.stringify({
      meta: { action: 'TICKET_PENDING' },
      body: {
        matchNumber: stuck.match,
        tickets: { category: stuck.category, quantity: 1, price: 75 },
      },
    });
    await attacker.sendRaw(value, {
      key: stuck.key,
      partition: 0,
      headers: signedAsTicketaka(
        { topic: topics.ticketSales, partition: 0, key: stuck.key, value },
        {
          clientId: 'ticketaka-b',
          eventId: randomUUID(),
          holdId: randomUUID(),
          ticketakaSentAt: String(Date.now()),
          ticketakaSeen: `${stuckBehind}:1000000000`,
        },
      ),
    });
    const behind = categoryOn(0, [405]);
    await partner.send('TICKET_PENDING', behind.match, behind.category, 1);
    const sent = Date.now();
    const others = [1, 2].map((p) => categoryOn(p, [407]));
    for (const o of others) await partner.send('TICKET_PENDING', o.match, o.category, 3);
    await eventually(
      async () => {
        for (const platform of both())
          for (const o of others)
            expect((await platform.inventory(o.match, o.category)).partner_held).toBe(3);
      },
      15_000,
      100,
    );
    process.stderr.write(
      `[independent partitions] partitions 1 and 2 applied ${Date.now() - sent} ms after sending while partition 0 waits\n`,
    );
    for (const platform of both())
      expect((await platform.inventory(behind.match, behind.category)).partner_held).toBe(0);
  }, 60_000);

  it('when a message signed as one of our instances carries an event id that instance never sent, then that instance alerts (metric and log)', async () => {
    const key = '408-3';
    const partition = partitionOf(key);
    const value = JSON.stringify({
      meta: { action: 'TICKET_PENDING' },
      body: { matchNumber: 408, tickets: { category: 3, quantity: 1, price: 195 } },
    });
    await attacker.sendRaw(value, {
      key,
      partition,
      headers: signedAsTicketaka(
        { topic: topics.ticketSales, partition, key, value },
        { clientId: 'ticketaka-b', eventId: randomUUID(), holdId: randomUUID() },
      ),
    });
    await eventually(async () => {
      const metrics = await (await fetch(`${b.bridge.url}/metrics`)).text();
      expect(metrics).toMatch(/partner_security_alerts_total\{kind="unknown_own_event"[^}]*\} 1/);
    }, 15_000);
  });
});
