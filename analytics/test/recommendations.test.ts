/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON, read by assertions */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ordersEvents, ticketsEvents } from '@ticketaka/common';
import { call, eventually, newFan } from '@ticketaka/common/testing';
import { startTicketsService } from '../../tickets/src/tickets-service';
import { recommendationsResponseSchema } from '@ticketaka/contracts';
import { ParquetLake } from '../src/data-access/parquet-lake';
import { activeModelVersion, saveModel } from '../src/data-access/model.repository';
import { trainAndPublish } from '../src/domain/publish-model.use-case';
import { teamRegion } from '../src/domain/regions';
import { seedSyntheticLake } from '../src/domain/seed-lake.use-case';
import { MASTER_LIST_FILE } from '../src/entry-points/cli/cli-support';
import { startGateway } from '../../infra/src/servers/nginx-gateway.server';
import { startAnalytics, type AnalyticsKit } from './support/analytics-kit';
import { freePort } from '../../infra/src/process/port';

const CUTOFF = '2022-11-23T00:00:00Z';

let kit: AnalyticsKit;
let tickets: Awaited<ReturnType<typeof startTicketsService>>;
let synthetic: ParquetLake;
let syntheticPath: string;

beforeAll(async () => {
  kit = await startAnalytics('recommendations', { RECOMMEND_AFTER: CUTOFF });
  tickets = await startTicketsService(kit.env.env);
  syntheticPath = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-synthetic-'));
  synthetic = await ParquetLake.open(syntheticPath);
  await seedSyntheticLake(synthetic, MASTER_LIST_FILE, { seed: 7, fans: 3000 });
}, 60_000);
afterAll(async () => {
  synthetic.close();
  fs.rmSync(syntheticPath, { recursive: true, force: true });
  await tickets.close();
  await kit.close();
});

/** Counts trained on the synthetic lake; the weights are fixed (the evaluation chooses them). */
const WEIGHTS = { affinity: 1, countryMatch: 2, coPurchase: 0.05, popularity: 0.05 };
const deps = () => ({
  pool: kit.analytics.runtime.pool,
  lake: synthetic,
  logger: kit.analytics.logger,
});
const matchOf = (home: string, away: string) =>
  kit.analytics.catalogue.entries.find((m) => m.homeTeam === home && m.awayTeam === away)!;
const southAmerican = (r: { homeTeam: string; awayTeam: string }) =>
  teamRegion(r.homeTeam) === 'SA' || teamRegion(r.awayTeam) === 'SA';
const recommendationsFor = async (token?: string, query = '') => {
  const response = await call(kit.analytics.url, 'GET', `/api/recommendations${query}`, { token });
  expect(response.status).toBe(200);
  return recommendationsResponseSchema.parse(response.body);
};

describe('recommendations', () => {
  test('when a fan from Argentina asks, then South American matches come first, never a past, sold-out or already-bought one', async () => {
    const trained = await trainAndPublish(deps(), { version: 'test-a', weights: WEIGHTS });
    expect(trained?.model.version).toBe('test-a');
    await eventually(() => expect(kit.analytics.models.current?.version).toBe('test-a'));
    await kit.analytics.settle();
    expect(kit.analytics.catalogue.entries).toHaveLength(64);

    const fan = newFan(kit.env, 'fan', 'AR');
    const buyer = newFan(kit.env, 'fan', 'AR');
    const soldOut = matchOf('Argentina', 'Mexico');
    const bought = matchOf('Brazil', 'Serbia');
    const { bus } = tickets.runtime;
    // Tickets announcing every category of Argentina–Mexico sold out (a later version wins).
    for (const category of [1, 2, 3]) {
      await bus.publish(
        ticketsEvents.inventoryChanged.create({
          matchNumber: soldOut.matchNumber,
          category,
          capacity: 20,
          available: 0,
          pending: 0,
          state: 'sold_out',
          priceCents: 10_000,
          currency: 'USD',
          version: 1_000,
        }),
      );
    }
    // Orders' part, played by the harness: tickets may not publish orders' events.
    await kit.env.publish(
      ordersEvents.orderCompleted.create({
        id: randomUUID(),
        userId: buyer.user.id,
        kind: 'primary',
        matchNumber: bought.matchNumber,
        category: 1,
        quantity: 2,
        ticketId: null,
        amountCents: 44_000,
        currency: 'USD',
        status: 'complete',
        expiresAt: new Date().toISOString(),
        version: 2,
        paymentId: randomUUID(),
      }),
    );
    await kit.analytics.settle();

    const answer = await recommendationsFor(fan.token);
    expect(answer).toMatchObject({
      country: 'AR',
      region: 'South America',
      modelVersion: 'test-a',
    });
    expect(answer.recommendations).toHaveLength(5);
    expect(answer.recommendations.filter((r) => !southAmerican(r))).toEqual([]);
    expect(answer.recommendations.map((r) => r.matchNumber)).not.toContain(soldOut.matchNumber);
    expect(answer.recommendations.every((r) => r.kickOff >= '2022-11-23T00:00:00.000Z')).toBe(true);
    expect(answer.recommendations[0]?.reason).toBe('Popular with fans from South America');

    // A fan who bought Brazil–Serbia is not offered it again (nor the sold-out match).
    const theirs = await recommendationsFor(buyer.token, '?limit=20');
    const numbers = theirs.recommendations.map((r) => r.matchNumber);
    expect(numbers).toHaveLength(20);
    expect(numbers).not.toContain(bought.matchNumber);
    expect(numbers).not.toContain(soldOut.matchNumber);
  }, 60_000);

  test('when an anonymous visitor names a country, then that country drives the list; a bad code gets 400', async () => {
    const mexico = await recommendationsFor(undefined, '?country=mx&limit=3');
    expect(mexico.country).toBe('MX');
    expect(
      mexico.recommendations.some((r) => r.homeTeam === 'Mexico' || r.awayTeam === 'Mexico'),
    ).toBe(true);
    const bad = await call(kit.analytics.url, 'GET', '/api/recommendations?country=XX');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ field: 'query.country', code: 'validation_failed' });
    const signedIn = newFan(kit.env, 'fan', 'AR');
    const spoofed = await call(kit.analytics.url, 'GET', '/api/recommendations?country=MX', {
      token: signedIn.token,
    });
    expect(spoofed.status).toBe(400);
  });

  test('when an anonymous visitor names no country, then the one of their address (as the gateway forwards it) drives the list', async () => {
    // The gateway replaces X-Forwarded-For with the peer it saw; the service believes it only
    // from the gateway (loopback here). Addresses of known networks in GeoLite2's data.
    const from = async (address: string, query = '', token?: string) => {
      const response = await call(kit.analytics.url, 'GET', `/api/recommendations${query}`, {
        token,
        headers: { 'x-forwarded-for': address },
      });
      expect(response.status).toBe(200);
      return recommendationsResponseSchema.parse(response.body);
    };
    const buenosAires = await from('200.45.0.1'); // Telecom Argentina
    expect(buenosAires).toMatchObject({ country: 'AR', region: 'South America' });
    expect(buenosAires.recommendations).toHaveLength(5);
    expect(buenosAires.recommendations.filter((r) => !southAmerican(r))).toEqual([]);
    expect(await from('2800:40::1')).toMatchObject({ country: 'AR' }); // IPv6, Argentina
    expect(await from('189.203.0.1')).toMatchObject({ country: 'MX', region: 'North America' });
    expect(await from('8.8.8.8')).toMatchObject({ country: 'US' });
    // Nothing is known of a private address: popularity, no region.
    const unknown = await from('10.1.2.3');
    expect(unknown).toMatchObject({ country: null, region: null });
    expect(unknown.recommendations).toHaveLength(5);
    // A country the visitor names wins over the address.
    expect(await from('200.45.0.1', '?country=FR')).toMatchObject({ country: 'FR' });
    // A signed-in fan's account country wins; an account without a known one falls back.
    const argentine = newFan(kit.env, 'fan', 'AR');
    expect(await from('8.8.8.8', '', argentine.token)).toMatchObject({ country: 'AR' });
    const noCountry = newFan(kit.env, 'fan', 'ZZ');
    expect(await from('189.203.0.1', '', noCountry.token)).toMatchObject({ country: 'MX' });
  });

  test('when a client writes its own X-Forwarded-For through the gateway, then the gateway replaces it and it changes nothing', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-geoip-gateway-'));
    const upstream = kit.analytics.url.replace('http://', '');
    const ports = await Promise.all([freePort(), freePort()]);
    const plain = await startGateway(
      { listenPort: ports[0]!, upstreams: { analytics: upstream } },
      { ...process.env, TICKETAKA_HOME: path.join(home, 'plain') },
    );
    // An operator's front proxy on loopback, trusted explicitly (GATEWAY_TRUSTED_PROXIES).
    const behindProxy = await startGateway(
      { listenPort: ports[1]!, upstreams: { analytics: upstream }, trustedProxies: ['127.0.0.1'] },
      { ...process.env, TICKETAKA_HOME: path.join(home, 'proxied') },
    );
    try {
      const through = async (port: number) => {
        const response = await call(`http://127.0.0.1:${port}`, 'GET', '/api/recommendations', {
          headers: { 'x-forwarded-for': '200.45.0.1' },
        });
        expect(response.status).toBe(200);
        return recommendationsResponseSchema.parse(response.body);
      };
      expect(await through(ports[0]!)).toMatchObject({ country: null });
      expect(await through(ports[1]!)).toMatchObject({ country: 'AR' });
    } finally {
      await plain.stop();
      await behindProxy.stop();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('when a new model version is activated under steady load, then every request succeeds and the new version takes over', async () => {
    const fan = newFan(kit.env, 'fan', 'BR');
    const seen = new Set<string>();
    let failures = 0;
    let served = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const response = await call(kit.analytics.url, 'GET', '/api/recommendations', {
          token: fan.token,
        });
        served += 1;
        if (response.status !== 200 || (response.body as any).recommendations?.length !== 5)
          failures += 1;
        else seen.add((response.body as any).modelVersion);
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await eventually(() => expect(served).toBeGreaterThan(50));
    const model = (await trainAndPublish(deps(), {
      version: 'test-b',
      activate: false,
      weights: WEIGHTS,
    }))!.model;
    await saveModel(kit.analytics.runtime.pool, model, {}, true);
    expect(await activeModelVersion(kit.analytics.runtime.pool)).toBe('test-b');
    await eventually(() => expect(seen.has('test-b')).toBe(true));
    const after = served;
    await eventually(() => expect(served).toBeGreaterThan(after + 50));
    stop = true;
    await Promise.all(workers);
    expect(failures).toBe(0);
    expect([...seen].sort()).toEqual(['test-a', 'test-b']);
  }, 60_000);
});
