import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { ordersEvents, ticketsEvents, type EventBus } from '@ticketaka/common';
import {
  createTestEnvironment,
  newFan,
  type Fan,
  type TestEnvironment,
} from '@ticketaka/common/testing';
import { loadMasterList, masterListSchema } from '../src/domain/load-master-list.use-case';
import { keyIdOf, readClaims, signCode, stepAt, verifyCode } from '../src/domain/ticket-code';
import { startTicketsService } from '../src/tickets-service';
import { decodeQrInPdf } from './qr-decode';
import {
  buyTickets,
  call,
  connectAs,
  consumed,
  masterListMatch,
  orderEvents,
  outboxEvents,
  requestHold,
  type TicketsService,
} from './tickets-test-kit';

let env: TestEnvironment;
let tickets: TicketsService;
let orders: EventBus;
let steward: Fan;
/** The service's clock; tests move it to make codes go stale. */
let clock = Date.now();
const STEP = 30;

beforeAll(async () => {
  env = await createTestEnvironment('tickets-check-in');
  tickets = await startTicketsService(env.env, { now: () => clock });
  orders = await connectAs(env, 'orders');
  steward = newFan(env, 'steward');
  await loadMasterList(
    tickets.runtime,
    masterListSchema.parse([masterListMatch(700, 50), masterListMatch(701, 50)]),
  );
});
afterAll(async () => {
  await orders.close();
  await tickets.close();
  await env.cleanup();
});
beforeEach(() => {
  clock = Date.now();
});

const api = (method: string, path: string, who?: Fan, body?: unknown) =>
  call(tickets.url, method, path, { token: who?.token, body });
const scan = (code: string, matchNumber = 700, gate = 'Gate 4', who: Fan = steward) =>
  api('POST', '/api/check-in', who, { code, matchNumber, gate });
const liveCodeOf = async (fan: Fan, ticketId: string) => {
  const response = await api('GET', `/api/tickets/${ticketId}/code`, fan);
  expect(response.status).toBe(200);
  return response.body.code as string;
};
const pdfOf = async (fan: Fan, ticketId: string) => {
  const response = await fetch(`${tickets.url}/api/tickets/${ticketId}/ticket.pdf`, {
    headers: { authorization: `Bearer ${fan.token}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/pdf');
  return Buffer.from(await response.arrayBuffer());
};
const statusOf = async (ticketId: string) =>
  (
    await tickets.runtime.pool.query<{ status: string; version: number }>(
      'SELECT status, version FROM tickets WHERE id = $1',
      [ticketId],
    )
  ).rows[0];

describe('signed codes', () => {
  test('when a fan opens a ticket, then its live code verifies offline with the published key and names the ticket, holder and version', async () => {
    const fan = newFan(env);
    const [ticket] = await buyTickets(tickets, orders, fan, 700, 1, 1);
    const code = await liveCodeOf(fan, ticket!.id);

    const published = await api('GET', '/api/tickets/code-keys');
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ algorithm: 'Ed25519', stepSeconds: STEP });
    // What a gate device does without the network: only the published PEM, no server.
    const gateKeys = new Map(
      published.body.keys.map((k: { keyId: string; publicKey: string }) => [
        k.keyId,
        createPublicKey(k.publicKey),
      ]),
    );
    const check = verifyCode(code, gateKeys as never, { atMs: clock, stepSeconds: STEP });
    expect(check).toEqual({
      ok: true,
      claims: {
        keyId: published.body.keys[0].keyId,
        ticketId: ticket!.id,
        matchNumber: 700,
        category: 1,
        holderId: fan.user.id,
        version: ticket!.version,
        step: stepAt(clock, STEP),
      },
    });
    expect((await api('GET', `/api/tickets/${ticket!.id}/code`, fan)).body.qrSvg).toMatch(/^<svg/);
  });

  test('when 30 seconds pass, then the app shows a new code and the old one is refused as expired a step later', async () => {
    const fan = newFan(env);
    const [ticket] = await buyTickets(tickets, orders, fan, 700, 1, 1);
    const first = await liveCodeOf(fan, ticket!.id);
    clock += STEP * 1000;
    const second = await liveCodeOf(fan, ticket!.id);
    expect(second).not.toBe(first);
    clock += 2 * STEP * 1000;
    const stale = await scan(first);
    expect(stale.status).toBe(422);
    expect(stale.body.errors[0].code).toBe('code_expired');
    expect((await statusOf(ticket!.id))?.status).toBe('valid');
  });

  test('when someone asks for another fan’s code or PDF, or nobody is signed in, then 404 and 401 and no code', async () => {
    const owner = newFan(env);
    const [ticket] = await buyTickets(tickets, orders, owner, 700, 2, 1);
    const stranger = newFan(env);
    for (const path of ['code', 'ticket.pdf', 'qr.svg']) {
      const foreign = await api('GET', `/api/tickets/${ticket!.id}/${path}`, stranger);
      expect([foreign.status, foreign.body?.errors?.[0]?.code]).toEqual([404, 'ticket_not_found']);
      expect((await api('GET', `/api/tickets/${ticket!.id}/${path}`)).status).toBe(401);
    }
    expect((await api('GET', '/api/tickets/not-a-uuid/code', owner)).status).toBe(400);
  });

  test('when the PDF is printed, then its QR decodes to a static code the gate admits once', async () => {
    const fan = newFan(env);
    const [ticket] = await buyTickets(tickets, orders, fan, 700, 3, 1);
    const printed = await decodeQrInPdf(await pdfOf(fan, ticket!.id));
    expect(printed).toBeDefined();
    expect(readClaims(printed!)).toMatchObject({
      ticketId: ticket!.id,
      step: 0,
      holderId: fan.user.id,
    });
    // A printed code has no time step: still good an hour later.
    clock += 3600_000;
    const admitted = await scan(printed!);
    expect(admitted.status).toBe(200);
    expect(admitted.body).toMatchObject({
      admitted: true,
      gate: 'Gate 4',
      ticket: { id: ticket!.id },
    });
    expect((await scan(printed!)).body.errors[0].code).toBe('already_admitted');
  });
});

describe('check-in at the gate', () => {
  test('when two gates scan the same code at the same moment, then exactly one admits it and the others say where it went in', async () => {
    const fan = newFan(env);
    const [ticket] = await buyTickets(tickets, orders, fan, 700, 1, 1);
    const code = await liveCodeOf(fan, ticket!.id);
    const gates = Array.from({ length: 8 }, (_, i) => `${i + 1}`);
    const answers = await Promise.all(gates.map((gate) => scan(code, 700, gate)));

    const admitted = answers.filter((a) => a.status === 200);
    expect(admitted).toHaveLength(1);
    const winner = admitted[0]!.body;
    const refusals = answers.filter((a) => a.status !== 200);
    expect(refusals).toHaveLength(gates.length - 1);
    for (const refusal of refusals) {
      expect(refusal.status).toBe(409);
      expect(refusal.body.errors[0].code).toBe('already_admitted');
      expect(refusal.body.errors[0].message).toMatch(
        new RegExp(`^Already admitted at \\d\\d:\\d\\d UTC by gate ${winner.gate}$`),
      );
      expect(refusal.body.admission).toEqual({ at: winner.admittedAt, gate: winner.gate });
    }
    expect(await statusOf(ticket!.id)).toEqual({
      status: 'checked_in',
      version: ticket!.version + 1,
    });
    const checkIns = (await outboxEvents(tickets, ticketsEvents.ticketStatusChanged.type)).filter(
      (e) => e.data.id === ticket!.id,
    );
    expect(checkIns.map((e) => [e.data.move, e.data.to, e.data.version, e.data.gate])).toEqual([
      ['check_in', 'checked_in', ticket!.version + 1, winner.gate],
    ]);
    // Admitted tickets show no code any more.
    expect((await api('GET', `/api/tickets/${ticket!.id}/code`, fan)).body.errors[0].code).toBe(
      'already_admitted',
    );
  });

  test('when a gate bank scans many tickets at once, some twice, then each is admitted once, every repeat names the winning gate, and each ticket has one check-in event', async () => {
    const fan = newFan(env);
    const owned = await buyTickets(tickets, orders, fan, 701, 2, 10);
    const codes = await Promise.all(owned.map((t) => liveCodeOf(fan, t.id)));
    const scans = [
      ...codes.map((code, i) => ({ code, gate: `${i + 1}` })),
      ...codes.slice(0, 4).map((code) => ({ code, gate: 'South 9' })),
    ];
    const answers = await Promise.all(scans.map((s) => scan(s.code, 701, s.gate)));

    expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
    for (let i = 0; i < 4; i++) {
      const pair = [answers[i]!, answers[10 + i]!];
      const winner = pair.find((a) => a.status === 200)!.body;
      const loser = pair.find((a) => a.status !== 200)!;
      expect(loser.status).toBe(409);
      expect(loser.body.errors[0].code).toBe('already_admitted');
      expect(loser.body.admission).toEqual({ at: winner.admittedAt, gate: winner.gate });
    }
    const events = (await outboxEvents(tickets, ticketsEvents.ticketStatusChanged.type)).filter(
      (e) => owned.some((t) => t.id === e.data.id),
    );
    expect(events).toHaveLength(10);
    for (const ticket of owned) {
      const mine = events.filter((e) => e.data.id === ticket.id);
      expect(mine.map((e) => [e.data.move, e.data.version])).toEqual([
        ['check_in', ticket.version + 1],
      ]);
      expect(await statusOf(ticket.id)).toEqual({
        status: 'checked_in',
        version: ticket.version + 1,
      });
    }
  });

  test('when a ticket is resold, then the buyer gets a new code that is admitted and the seller’s live and printed codes are refused', async () => {
    const seller = newFan(env);
    const buyer = newFan(env);
    const [ticket] = await buyTickets(tickets, orders, seller, 701, 2, 1);
    const sellersLive = await liveCodeOf(seller, ticket!.id);
    const sellersPrinted = await decodeQrInPdf(await pdfOf(seller, ticket!.id));

    const listed = await api('POST', '/api/resale', seller, {
      ticketId: ticket!.id,
      priceCents: 10_000,
    });
    expect(listed.status).toBe(201);
    // Listed: neither the gate nor the app treats it as usable.
    expect((await scan(sellersLive, 701)).body.errors[0].code).toBe('ticket_in_resale');
    expect((await api('GET', `/api/tickets/${ticket!.id}/code`, seller)).body.errors[0].code).toBe(
      'ticket_in_resale',
    );

    const order = {
      kind: 'resale' as const,
      orderId: randomUUID(),
      userId: buyer.user.id,
      ticketId: ticket!.id,
    };
    expect(await requestHold(orders, order)).toMatchObject({ held: true });
    expect((await scan(sellersLive, 701)).body.errors[0].code).toBe('ticket_in_resale');
    await orders.publish(
      orderEvents.completed({
        ...order,
        matchNumber: 701,
        category: 2,
        quantity: 1,
        amountCents: 10_000,
      }),
    );
    await consumed(orders, ordersEvents.orderCompleted.type);

    const buyersCode = await liveCodeOf(buyer, ticket!.id);
    expect(readClaims(buyersCode)).toMatchObject({ holderId: buyer.user.id, version: 4 });
    for (const old of [sellersLive, sellersPrinted!]) {
      const refused = await scan(old, 701);
      expect([refused.status, refused.body.errors[0].code]).toEqual([409, 'code_superseded']);
    }
    expect((await api('GET', `/api/tickets/${ticket!.id}/code`, seller)).status).toBe(404);
    expect((await scan(buyersCode, 701)).status).toBe(200);
  });

  test('when a code is tampered with, signed by another key, for another match or garbage, then each is refused with its reason and nothing is admitted', async () => {
    const fan = newFan(env);
    const [ticket] = await buyTickets(tickets, orders, fan, 700, 2, 1);
    const code = await liveCodeOf(fan, ticket!.id);

    const bytes = Buffer.from(code.slice(4), 'base64url');
    bytes[30] = (bytes[30] as number) ^ 0x01; // one bit of the holder id
    const tampered = `TK1.${bytes.toString('base64url')}`;

    const other = generateKeyPairSync('ed25519');
    const claims = readClaims(code)!;
    const foreignKey = { keyId: keyIdOf(other.publicKey), ...other };
    const forged = signCode(foreignKey, claims);
    // A forger who copies our key id still cannot produce our signature.
    const forgedWithOurId = signCode({ ...foreignKey, keyId: claims.keyId }, claims);

    const cases: [string, number, number, string][] = [
      [tampered, 700, 422, 'code_tampered'],
      [forged, 700, 422, 'code_unknown_key'],
      [forgedWithOurId, 700, 422, 'code_tampered'],
      [code, 701, 409, 'wrong_match'],
      ['hello', 700, 422, 'code_malformed'],
      [`TK1.${'A'.repeat(150)}`, 700, 422, 'code_malformed'],
      [`TK1.${Buffer.alloc(112, 0xff).toString('base64url')}`, 700, 422, 'code_malformed'],
    ];
    for (const [scanned, matchNumber, status, reason] of cases) {
      const answer = await scan(scanned, matchNumber);
      expect([answer.status, answer.body.errors[0].code]).toEqual([status, reason]);
      expect(answer.body.errors[0].message.length).toBeGreaterThan(10);
    }
    expect((await statusOf(ticket!.id))?.status).toBe('valid');
    expect((await scan(code)).status).toBe(200);
  });

  test('when a fan, an admin or nobody scans, or the body is bad, then 403, 401 or 400 and nothing is admitted', async () => {
    const fan = newFan(env);
    const [ticket] = await buyTickets(tickets, orders, fan, 700, 3, 1);
    const code = await liveCodeOf(fan, ticket!.id);
    expect((await scan(code, 700, 'Gate 1', fan)).status).toBe(403);
    expect((await scan(code, 700, 'Gate 1', newFan(env, 'admin'))).status).toBe(403);
    expect(
      (await api('POST', '/api/check-in', undefined, { code, matchNumber: 700, gate: 'G' })).status,
    ).toBe(401);
    const bad = [
      {},
      { code, matchNumber: 700 },
      { code, matchNumber: 'x', gate: 'G' },
      { code, matchNumber: 700, gate: '<script>' },
      { code, matchNumber: 700, gate: 'G', extra: 1 },
      {
        code,
        matchNumber: 700,
        gate: 'G',
        scannedAt: new Date(clock - 13 * 3600_000).toISOString(),
      },
    ];
    for (const body of bad) {
      const answer = await api('POST', '/api/check-in', steward, body);
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].code).toBeDefined();
    }
    expect((await statusOf(ticket!.id))?.status).toBe('valid');
  });

  test('when an offline gate syncs a scan from 10 minutes ago, then it is admitted at the scan time and a later sync of the same ticket is a double entry', async () => {
    const fan = newFan(env);
    const [ticket] = await buyTickets(tickets, orders, fan, 700, 1, 1);
    clock -= 10 * 60_000;
    const code = await liveCodeOf(fan, ticket!.id);
    clock += 10 * 60_000;
    const scannedAt = new Date(clock - 10 * 60_000 + 2_000).toISOString();
    const synced = await api('POST', '/api/check-in', steward, {
      code,
      matchNumber: 700,
      gate: 'Gate 9',
      scannedAt,
    });
    expect(synced.status).toBe(200);
    expect(synced.body.admittedAt).toBe(scannedAt);
    const again = await api('POST', '/api/check-in', steward, {
      code,
      matchNumber: 700,
      gate: 'Gate 2',
      scannedAt,
    });
    expect(again.body).toMatchObject({ admission: { at: scannedAt, gate: 'Gate 9' } });
    // Without scannedAt the same code is ten minutes stale.
    expect((await scan(code)).body.errors[0].code).toBe('code_expired');
  });
});

describe('void', () => {
  test('when an operator voids a listed ticket, then its listing is withdrawn, its codes are refused as void, and fans cannot void', async () => {
    const fan = newFan(env);
    const [ticket] = await buyTickets(tickets, orders, fan, 701, 1, 1);
    const code = await liveCodeOf(fan, ticket!.id);
    const listed = await api('POST', '/api/resale', fan, {
      ticketId: ticket!.id,
      priceCents: 5_000,
    });
    expect((await api('POST', `/api/tickets/${ticket!.id}/void`, fan)).status).toBe(403);
    const admin = newFan(env, 'admin');
    const voided = await api('POST', `/api/tickets/${ticket!.id}/void`, admin);
    expect(voided.body).toMatchObject({ status: 'void', version: ticket!.version + 2 });
    expect((await api('POST', `/api/tickets/${ticket!.id}/void`, admin)).status).toBe(200);
    const listings = (await api('GET', '/api/resale?matchNumber=701')).body.listings;
    expect(listings.map((l: { id: string }) => l.id)).not.toContain(listed.body.listing.id);
    const refused = await scan(code, 701);
    expect([refused.status, refused.body.errors[0].code]).toEqual([409, 'ticket_void']);
    expect((await api('GET', `/api/tickets/${ticket!.id}/code`, fan)).body.errors[0].code).toBe(
      'ticket_void',
    );
  });
});

describe('listing and ticket status agree', () => {
  test('when lists, withdrawals and resale holds race on the same tickets, then every open listing matches its ticket’s status', async () => {
    const owner = newFan(env);
    const owned = await buyTickets(tickets, orders, owner, 701, 3, 5);
    await Promise.all(
      owned.flatMap((t) => [
        api('POST', '/api/resale', owner, { ticketId: t.id, priceCents: 5_000 }),
        api('POST', '/api/resale', owner, { ticketId: t.id, priceCents: 6_000 }),
      ]),
    );
    const listings = (await api('GET', '/api/resale?matchNumber=701')).body.listings as {
      id: string;
      ticketId: string;
    }[];
    await Promise.all(
      listings.flatMap((l) => [
        api('DELETE', `/api/resale/${l.id}`, owner),
        // When the withdrawal wins, the listing is gone: the hold's only right answer is 404.
        requestHold(orders, {
          kind: 'resale',
          orderId: randomUUID(),
          userId: randomUUID(),
          ticketId: l.ticketId,
        }).catch((error: { code?: string }) => expect(error.code).toBe('listing_not_found')),
      ]),
    );
    const { rows } = await tickets.runtime.pool.query(
      `SELECT t.id, t.status, l.status AS listing
         FROM tickets t LEFT JOIN listings l ON l.ticket_id = t.id AND l.status IN ('active', 'locked')
        WHERE t.id = ANY($1::uuid[])`,
      [owned.map((t) => t.id)],
    );
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      const expected = { active: 'listed', locked: 'locked' }[row.listing as string] ?? 'valid';
      expect([row.id, row.status]).toEqual([row.id, expected]);
    }
  });

  test('when code changes a listing without its ticket, then the database refuses the commit', async () => {
    const owner = newFan(env);
    const [ticket] = await buyTickets(tickets, orders, owner, 701, 1, 1);
    const listed = await api('POST', '/api/resale', owner, {
      ticketId: ticket!.id,
      priceCents: 5_000,
    });
    await expect(
      tickets.runtime.pool.query(`UPDATE listings SET status = 'withdrawn' WHERE id = $1`, [
        listed.body.listing.id,
      ]),
    ).rejects.toThrow(/is listed but its open listing is absent/);
    await expect(
      tickets.runtime.pool.query(`UPDATE tickets SET status = 'valid' WHERE id = $1`, [ticket!.id]),
    ).rejects.toThrow(/is valid but its open listing is active/);
    expect((await statusOf(ticket!.id))?.status).toBe('listed');
  });

  test('when a ticket enters listed or locked without a listing (update or insert), then the commit is refused; moves outside resale are not checked', async () => {
    const owner = newFan(env);
    const [ticket] = await buyTickets(tickets, orders, owner, 701, 1, 1);
    const pool = tickets.runtime.pool;
    for (const status of ['listed', 'locked'])
      await expect(
        pool.query(`UPDATE tickets SET status = $2 WHERE id = $1`, [ticket!.id, status]),
      ).rejects.toThrow(new RegExp(`is ${status} but its open listing is absent`));
    await expect(
      pool.query(
        `INSERT INTO tickets (id, owner_id, order_id, seat_index, match_number, category, face_price_cents, currency, status)
         SELECT gen_random_uuid(), owner_id, gen_random_uuid(), 1, match_number, category, face_price_cents, currency, 'listed'
           FROM tickets WHERE id = $1`,
        [ticket!.id],
      ),
    ).rejects.toThrow(/is listed but its open listing is absent/);
    await pool.query(`UPDATE tickets SET status = 'void' WHERE id = $1`, [ticket!.id]);
    expect((await statusOf(ticket!.id))?.status).toBe('void');
  });
});
