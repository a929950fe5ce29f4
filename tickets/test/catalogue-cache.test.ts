import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import {
  LOAD_MASTER_LIST_SUBJECT,
  loadMasterListResponseSchema,
  type EventBus,
} from '@ticketaka/common';
import { createTestEnvironment, eventually, type TestEnvironment } from '@ticketaka/common/testing';
import { CatalogueCache } from '../src/entry-points/http/catalogue-cache';
import { startTicketsService } from '../src/tickets-service';
import {
  connectAs,
  masterListMatch,
  primaryHold,
  requestHold,
  type TicketsService,
} from './tickets-test-kit';

/** A raw GET (fetch would decompress and hide what was sent). */
function rawGet(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
    (resolve, reject) => {
      http
        .get(url, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
        })
        .on('error', reject);
    },
  );
}

describe('CatalogueCache (its rules, on a clock the test moves)', () => {
  let clock = 1_000_000;
  let reads = 0;
  let release: (() => void) | undefined;
  const slowReads = { on: false };
  const cache = new CatalogueCache(
    async (key) => {
      const read = ++reads;
      if (slowReads.on) await new Promise<void>((r) => (release = r));
      return { key, read };
    },
    () => clock,
  );
  const readOf = async (key: 'all' | number) =>
    JSON.parse((await cache.get(key)).json.toString()).read as number;

  beforeEach(() => {
    clock += 10_000;
    reads = 0;
  });

  test('when asked again within the same second, then the database is read once; in the next second, again', async () => {
    expect(await readOf(1)).toBe(1);
    clock += 900;
    expect(await readOf(1)).toBe(1);
    clock += 100;
    expect(await readOf(1)).toBe(2);
    expect((await cache.get(1)).second).toBe(Math.floor(clock / 1000));
  });

  test("when a change of the match is heard, then its entry and the list are read again, other matches' are not", async () => {
    await Promise.all([readOf(1), readOf(2), readOf('all')]);
    cache.invalidate(1);
    expect(await readOf(2)).toBe(2);
    expect(await readOf(1)).toBe(4);
    expect(await readOf('all')).toBe(5);
    expect(reads).toBe(5);
  });

  test('when many ask at once, then they share one read', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => readOf(7)));
    expect(new Set(answers)).toEqual(new Set([1]));
    expect(reads).toBe(1);
  });

  test('when a change arrives while a read is under way, then that read is not kept and later requests read again', async () => {
    slowReads.on = true;
    const early = readOf(3);
    await eventually(() => expect(release).toBeDefined());
    cache.invalidate(3);
    const first = release as () => void;
    release = undefined;
    const later = readOf(3);
    first();
    expect(await early).toBe(1);
    await eventually(() => expect(release).toBeDefined());
    slowReads.on = false;
    (release as unknown as () => void)();
    expect(await later).toBe(2);
    expect(await readOf(3)).toBe(2);
  });
});

describe('GET /api/matches and /api/matches/:n from memory', () => {
  let env: TestEnvironment;
  let tickets: TicketsService;
  let orders: EventBus;

  beforeAll(async () => {
    env = await createTestEnvironment('tickets-catalogue-cache');
    tickets = await startTicketsService({ ...env.env, LOAD_MASTER_LIST_ON_START: 'false' });
    orders = await connectAs(env, 'orders');
    const bridge = await connectAs(env, 'kafka-bridge');
    await bridge.request(
      LOAD_MASTER_LIST_SUBJECT,
      { matches: [masterListMatch(1, 10), masterListMatch(2, 10, { homeTeam: 'Mexico' })] },
      loadMasterListResponseSchema,
      15_000,
    );
    await bridge.close();
  });
  afterAll(async () => {
    await orders.close();
    await tickets.close();
    await env.cleanup();
  });

  test('when read, then the answer carries a validator, must be revalidated by browsers, and may be kept by the gateway only until the end of the second', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await rawGet(`${tickets.url}/api/matches`);
    const after = Math.floor(Date.now() / 1000);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, no-cache');
    expect(res.headers.etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(res.headers.vary).toBe('Accept-Encoding');
    const expires = Number(String(res.headers['x-accel-expires']).replace(/^@/, ''));
    expect(expires).toBeGreaterThanOrEqual(before);
    expect(expires).toBeLessThanOrEqual(after);
    expect(
      JSON.parse(res.body.toString()).matches.map((m: { matchNumber: number }) => m.matchNumber),
    ).toEqual([1, 2]);
  });

  test('when the validator still matches, then 304 with no body; a different one gets the body', async () => {
    const first = await rawGet(`${tickets.url}/api/matches/2`);
    const etag = String(first.headers.etag);
    const again = await rawGet(`${tickets.url}/api/matches/2`, { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    const other = await rawGet(`${tickets.url}/api/matches/2`, { 'If-None-Match': 'W/"other"' });
    expect(other.status).toBe(200);
    expect(JSON.parse(other.body.toString()).match.homeTeam).toBe('Mexico');
  });

  test('when the client takes gzip, then the same body comes compressed; gzip;q=0 gets it plain', async () => {
    const plain = await rawGet(`${tickets.url}/api/matches`);
    const zipped = await rawGet(`${tickets.url}/api/matches`, { 'Accept-Encoding': 'br, gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).toString()).toBe(plain.body.toString());
    expect(zipped.headers.etag).toBe(plain.headers.etag);
    const refused = await rawGet(`${tickets.url}/api/matches`, { 'Accept-Encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  test('when a hold moves the counts, then the cached answer follows the inventory event within the second and its validator changes', async () => {
    const before = await rawGet(`${tickets.url}/api/matches/1`);
    const pending = (body: Buffer) => JSON.parse(body.toString()).match.categories[0].pending;
    expect(pending(before.body)).toBe(10);
    const reply = await requestHold(orders, primaryHold(1, 1, 3));
    expect(reply.held).toBe(true);
    await eventually(
      async () => {
        const after = await rawGet(`${tickets.url}/api/matches/1`, {
          'If-None-Match': String(before.headers.etag),
        });
        expect(after.status).toBe(200);
        expect(pending(after.body)).toBe(7);
      },
      1_000,
      10,
    );
    const list = JSON.parse((await rawGet(`${tickets.url}/api/matches`)).body.toString());
    expect(list.matches[0].categories[0].pending).toBe(7);
  });

  test('when the list is filtered, then it is read from the database and not marked for the gateway', async () => {
    const res = await rawGet(`${tickets.url}/api/matches?team=Mexico`);
    expect(res.status).toBe(200);
    expect(res.headers['x-accel-expires']).toBeUndefined();
    expect(JSON.parse(res.body.toString()).matches).toHaveLength(1);
  });

  test('when the match is unknown, then 404 and nothing is kept', async () => {
    const res = await rawGet(`${tickets.url}/api/matches/9`);
    expect(res.status).toBe(404);
    expect(res.headers['x-accel-expires']).toBeUndefined();
  });
});
