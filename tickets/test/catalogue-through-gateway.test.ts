import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { EventBus } from '@ticketaka/common';
import { createTestEnvironment, type TestEnvironment } from '@ticketaka/common/testing';
import { startGateway } from '../../infra/src/servers/nginx-gateway.server';
import type { RunningServer } from '../../infra/src/servers/server';
import { startTicketsService } from '../src/tickets-service';
import { connectAs, primaryHold, requestHold, type TicketsService } from './tickets-test-kit';
import { freePort } from '../../infra/src/process/port';

/**
 * The catalogue as fans get it: real nginx rendered from the routing table (its micro-cache
 * included) in front of tickets. The security check is not started here: it runs before the
 * cache for every request and is tested with the gateway in security/test/gateway.test.ts.
 */
let env: TestEnvironment;
let tickets: TicketsService;
let orders: EventBus;
let gateway: RunningServer;
let home: string;
let base: string;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}
function get(p: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${p}`, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}
const pendingOf = (a: Answer, category = 1) =>
  (JSON.parse(a.body).match.categories as { category: number; pending: number }[]).find(
    (c) => c.category === category,
  )?.pending;

beforeAll(async () => {
  env = await createTestEnvironment('tickets-catalogue-gateway');
  tickets = await startTicketsService(env.env);
  orders = await connectAs(env, 'orders');
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-gw-cache-'));
  const listenPort = await freePort();
  gateway = await startGateway(
    { listenPort, upstreams: { tickets: new URL(tickets.url).host } },
    { ...process.env, TICKETAKA_HOME: home },
  );
  base = `http://127.0.0.1:${listenPort}`;
});
afterAll(async () => {
  await gateway?.stop();
  await orders?.close();
  await tickets?.close();
  await env?.cleanup();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('when many fans read a match within a second, then the gateway answers from its cache', async () => {
  const answers = [];
  for (let i = 0; i < 10; i++) answers.push(await get('/api/matches/5'));
  expect(answers.every((a) => a.status === 200)).toBe(true);
  expect(answers.filter((a) => a.headers['x-cache-status'] === 'HIT').length).toBeGreaterThan(0);
  expect(new Set(answers.map((a) => a.headers.etag)).size).toBeLessThanOrEqual(2);
  expect(answers[0]?.headers['x-accel-expires']).toBeUndefined();
});

test('when the browser revalidates an unchanged body, then the gateway answers 304 without a body', async () => {
  const first = await get('/api/matches/6');
  const again = await get('/api/matches/6', { 'If-None-Match': String(first.headers.etag) });
  expect(again.status).toBe(304);
  expect(again.body).toBe('');
  expect(again.headers.etag).toBe(first.headers.etag);
});

test('when a hold changes a count, then every request made more than 1 s later shows it, though the gateway caches', async () => {
  const before = pendingOf(await get('/api/matches/7'));
  expect(before).toBeGreaterThan(2);
  const reply = await requestHold(orders, primaryHold(7, 1, 2));
  expect(reply.held).toBe(true);
  const committed = Date.now();
  const seen: { sentAt: number; pending: number | undefined; cache: unknown }[] = [];
  while (Date.now() - committed < 1_500) {
    const sentAt = Date.now();
    const answer = await get('/api/matches/7');
    seen.push({
      sentAt: sentAt - committed,
      pending: pendingOf(answer),
      cache: answer.headers['x-cache-status'],
    });
    await new Promise((r) => setTimeout(r, 20));
  }
  const late = seen.filter((s) => s.sentAt >= 1_000);
  expect(late.length).toBeGreaterThan(0);
  expect(late.filter((s) => s.pending !== (before as number) - 2)).toEqual([]);
  // The cache was in use while it happened (not a pass-through that proves nothing).
  expect(seen.some((s) => s.cache === 'HIT')).toBe(true);
});

test('when the request carries a cookie, then the gateway neither answers from its cache nor fills it', async () => {
  await get('/api/matches/8');
  const withCookie = await get('/api/matches/8', { Cookie: 'session=someone' });
  expect(withCookie.status).toBe(200);
  expect(withCookie.headers['x-cache-status']).toBe('BYPASS');
});

test('when counts move, then the live stream through the same gateway is not cached and delivers the change', async () => {
  const controller = new AbortController();
  const response = await fetch(`${base}/api/matches/stream?matchNumber=9`, {
    signal: controller.signal,
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const readUntil = async (needle: string) => {
    while (!text.includes(needle)) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      text += decoder.decode(value);
    }
  };
  await readUntil('event: snapshot');
  await requestHold(orders, primaryHold(9, 2, 1));
  await readUntil('event: availability');
  expect(text).toMatch(/"matchNumber":9,"category":2/);
  controller.abort();
});
