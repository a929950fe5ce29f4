import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

// Plain CommonJS: it runs inside the standalone build, next to Next.js's server.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const page = require('../server/anonymous-page') as {
  isCacheableRequest: (req: {
    method: string;
    url: string;
    headers: Record<string, string>;
  }) => boolean;
  sealPage: (html: string, policy: string) => { html: string; policy: string } | undefined;
  serveAnonymousPage: (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
    now?: () => number,
  ) => Promise<void>;
};

const NONCE = 'bm9uY2UtZm9yLXRoZS10ZXN0';
const policy = [
  "default-src 'self'",
  `script-src 'self' 'nonce-${NONCE}' 'strict-dynamic'`,
  `style-src 'self' 'nonce-${NONCE}'`,
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');
const hashOf = (code: string) => `'sha256-${createHash('sha256').update(code).digest('base64')}'`;

const boot = `self.__next_f.push([1,"{\\"nonce\\":\\"${NONCE}\\"}"])`;
const rendered = [
  '<!DOCTYPE html><html><head>',
  `<link rel="preload" as="script" nonce="${NONCE}" href="/_next/static/chunks/a.js"/>`,
  `<script src="/_next/static/chunks/a.js" async="" nonce="${NONCE}"></script>`,
  `<style nonce="${NONCE}">main{color:red}</style>`,
  '</head><body><main>Qatar v Ecuador</main>',
  // Markup that reached the page without Next.js's nonce (what an injection would look like).
  '<script>alert(1)</script>',
  `<script nonce="${NONCE}">${boot}</script>`,
  '</body></html>',
].join('');

describe('sealing a rendered page', () => {
  const sealed = page.sealPage(rendered, policy);

  test('when sealed, then the nonce is gone from page and policy, and only the inline code Next.js marked is allowed, by hash', () => {
    expect(sealed).toBeDefined();
    const { html, policy: sealedPolicy } = sealed as { html: string; policy: string };
    expect(html).not.toContain(NONCE);
    expect(sealedPolicy).not.toContain('nonce-');
    const script = sealedPolicy.split('; ').find((d) => d.startsWith('script-src')) ?? '';
    // The hash is of the code as the browser sees it: the nonce taken out of the inline data too.
    expect(script).toBe(`script-src 'self' ${hashOf(boot.split(NONCE).join(''))}`);
    expect(script).not.toContain(hashOf('alert(1)'));
    expect(sealedPolicy).toContain(`style-src 'self' ${hashOf('main{color:red}')}`);
    expect(html).toContain('<script>alert(1)</script>');
  });

  test('when sealed, then the policy stays strict: no unsafe-inline, no unsafe-eval, and the other directives unchanged', () => {
    const sealedPolicy = (sealed as { policy: string }).policy;
    expect(sealedPolicy).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(sealedPolicy).toContain("object-src 'none'");
    expect(sealedPolicy).toContain("frame-ancestors 'none'");
    expect(sealedPolicy.startsWith("default-src 'self'; script-src 'self' 'sha256-")).toBe(true);
  });

  test('when the nonce also appears outside what Next.js marked, then the page is not shared', () => {
    expect(page.sealPage(`${rendered}<p data-x="${NONCE}"></p>`, policy)).toBeUndefined();
    expect(page.sealPage(rendered, "script-src 'self'")).toBeUndefined();
  });
});

describe('which requests may get the shared page', () => {
  const req = (url: string, headers: Record<string, string> = {}, method = 'GET') => ({
    method,
    url,
    headers,
  });
  test.each([
    ['/', {}, 'GET', true],
    ['/?team=Brazil', {}, 'GET', true],
    ['/matches/17', {}, 'GET', true],
    ['/matches/17', { cookie: 'ticketaka_session=x' }, 'GET', false],
    ['/matches/17', { authorization: 'Bearer x' }, 'GET', false],
    ['/matches/17', { rsc: '1' }, 'GET', false],
    ['/matches/17', { 'next-router-prefetch': '1' }, 'GET', false],
    ['/matches/17', {}, 'POST', false],
    ['/matches/17', {}, 'HEAD', false],
    ['/orders', {}, 'GET', false],
    ['/matches/17/x', {}, 'GET', false],
    ['/signin', {}, 'GET', false],
  ])('%s %j %s → %s', (url, headers, method, expected) => {
    expect(page.isCacheableRequest(req(url, headers as Record<string, string>, method))).toBe(
      expected,
    );
  });
});

describe('serving the shared page', () => {
  let server: http.Server;
  let base = '';
  let render: (res: http.ServerResponse) => void = () => {};
  const fixedNow = 1_796_000_000_500;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      void page.serveAnonymousPage(
        req,
        res,
        async (_req, r) => {
          // As Next.js does: headers first, the HTML streamed in pieces.
          r.setHeader('content-security-policy', policy);
          r.setHeader(
            'link',
            `</_next/static/chunks/x.css>; rel=preload; as="style"; nonce="${NONCE}"`,
          );
          render(r);
        },
        () => fixedNow,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) =>
        http
          .get(`${base}${path}`, { headers }, (res) => {
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
          .on('error', reject),
    );

  test('when a page is sealed, then it goes out compressed with a validator and a gateway expiry at the end of its second, and a matching validator gets 304', async () => {
    render = (r) => {
      r.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      r.write(rendered.slice(0, 100));
      r.end(rendered.slice(100));
    };
    const res = await get('/matches/1', { 'accept-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['x-accel-expires']).toBe(`@${Math.floor(fixedNow / 1000)}`);
    expect(res.headers['cache-control']).toBe('public, no-cache');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.link).not.toContain(NONCE);
    expect(res.headers['content-security-policy']).not.toContain(NONCE);
    const html = gunzipSync(res.body).toString();
    expect(html).toContain('Qatar v Ecuador');
    expect(html).not.toContain(NONCE);
    const again = await get('/matches/1', { 'if-none-match': String(res.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  test('when the render sets a cookie or is not a 200 page, then it goes out as rendered and is not marked for the gateway', async () => {
    render = (r) => {
      r.statusCode = 200;
      r.setHeader('content-type', 'text/html');
      r.setHeader('set-cookie', 'a=b');
      r.end(rendered);
    };
    const withCookie = await get('/matches/1');
    expect(withCookie.headers['x-accel-expires']).toBeUndefined();
    expect(withCookie.body.toString()).toBe(rendered);
    render = (r) => {
      r.statusCode = 404;
      r.setHeader('content-type', 'text/html');
      r.end(rendered);
    };
    const missing = await get('/matches/999');
    expect(missing.status).toBe(404);
    expect(missing.headers['x-accel-expires']).toBeUndefined();
  });
});
