import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { currentContext } from '../src/context/request-context';
import { createMetrics } from '../src/http/metrics';
import { requestLifecycle } from '../src/http/request-lifecycle';

/** A real server with the shared request step, its log lines kept in memory. */
async function startApp() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const metrics = createMetrics('lifecycle-test');
  const app = express();
  app.use(requestLifecycle(pino({ level: 'info' }, sink), metrics));
  app.get('/api/things/:id', (_req, res) => {
    res.json({ requestId: currentContext()?.requestId });
  });
  app.get('/api/broken', (_req, res) => {
    res.status(500).json({ errors: [{ code: 'internal' }] });
  });
  app.get('/api/stream', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  /** Log lines arrive after the response: wait until `count` are there. */
  const logged = async (count: number) => {
    for (let i = 0; i < 100 && lines.length < count; i++)
      await new Promise((r) => setTimeout(r, 10));
    return lines;
  };
  const close = () => {
    server.close();
    server.closeAllConnections();
  };
  return { url, metrics, logged, close };
}

describe('the step every request goes through before routing', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  beforeEach(async () => {
    app = await startApp();
  });
  afterEach(() => app.close());

  test('when the gateway sends a well-formed request id, then the answer, the context and the log line all carry it', async () => {
    const response = await fetch(`${app.url}/api/things/42`, {
      headers: { 'x-request-id': 'gw-7f3a' },
    });
    expect(response.headers.get('x-request-id')).toBe('gw-7f3a');
    expect(await response.json()).toEqual({ requestId: 'gw-7f3a' });
    const [line] = await app.logged(1);
    expect(line).toMatchObject({
      level: 30,
      msg: 'request completed',
      requestId: 'gw-7f3a',
      req: { method: 'GET', url: '/api/things/42' },
      res: { statusCode: 200 },
    });
    expect(typeof line?.responseTime).toBe('number');
  });

  test('when the request id is missing or malformed, then a fresh one is made instead of echoing what the caller wrote', async () => {
    const forged = await fetch(`${app.url}/api/things/1`, {
      headers: { 'x-request-id': 'x"; drop table <script>' },
    });
    const none = await fetch(`${app.url}/api/things/1`);
    for (const response of [forged, none])
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(forged.headers.get('x-request-id')).not.toBe(none.headers.get('x-request-id'));
  });

  test('when a request is answered, then it has the security headers and one histogram observation under its route pattern', async () => {
    const response = await fetch(`${app.url}/api/things/9`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none';frame-ancestors 'none'",
    );
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    await app.logged(1);
    const exposition = await app.metrics.registry.metrics();
    expect(exposition).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/api\/things\/:id"[^}]*status="200"[^}]*\} 1/,
    );
  });

  test('when our side fails, then its line is an error; when a stream is left by the fan, then it is not; health checks are not logged', async () => {
    await fetch(`${app.url}/healthz`);
    await fetch(`${app.url}/api/broken`);
    const controller = new AbortController();
    const stream = await fetch(`${app.url}/api/stream`, { signal: controller.signal });
    expect(stream.status).toBe(200);
    controller.abort();
    const lines = await app.logged(2);
    expect(lines.map((l) => [l.msg, l.level, (l.req as { url: string }).url])).toEqual([
      ['request failed', 50, '/api/broken'],
      ['request closed before its answer ended', 30, '/api/stream'],
    ]);
    // A stream's life is not a response time: it is kept out of the latency histogram.
    const exposition = await app.metrics.registry.metrics();
    expect(exposition).toMatch(/route="\/api\/broken"/);
    expect(exposition).not.toMatch(/route="\/api\/stream"/);
  });
});
