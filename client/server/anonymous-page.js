// The shared anonymous page: a visitor without a cookie gets a catalogue page that the
// gateway may keep until the end of the second and give to every such visitor.
//
// Every page is rendered as today, with a fresh nonce in its CSP (src/proxy.ts), which
// Next.js puts on its own <script> and <style> tags. For a cacheable page the finished HTML
// is then sealed: each inline script or style that carries that nonce is replaced in the
// policy by its SHA-256 hash, and the nonce disappears from page and policy. So exactly the
// inline code Next.js itself wrote may run, as with the nonce; markup that slipped into the
// page without the nonce stays blocked, and no nonce is ever handed to more than one visitor.
// Script files keep loading from 'self' (the policy cannot say 'strict-dynamic' without a
// nonce); nothing but the build's own files is served as JavaScript from this origin.
const { createHash } = require('node:crypto');
const { gzipSync } = require('node:zlib');

/** The public catalogue pages; everything else is personal, rare, or a form. */
const CACHEABLE_PATH = /^\/(matches\/\d{1,3})?$/;

/** Headers that make a request personal or not a plain page load (Next.js client navigation, server actions). */
const PERSONAL_OR_NOT_A_PAGE = [
  'cookie',
  'authorization',
  'rsc',
  'next-router-state-tree',
  'next-router-prefetch',
  'next-action',
  'purpose',
];

/** @param {import('node:http').IncomingMessage} req */
function isCacheableRequest(req) {
  if (req.method !== 'GET') return false;
  if (PERSONAL_OR_NOT_A_PAGE.some((h) => req.headers[h] !== undefined)) return false;
  const path = (req.url ?? '').split('?')[0];
  return CACHEABLE_PATH.test(path);
}

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Seals a rendered page: returns the HTML without the nonce and the policy with the hashes of
 * the inline scripts and styles that carried it, or undefined when the page has no nonce to
 * seal (then it is not shared).
 * @param {string} html
 * @param {string} policy the Content-Security-Policy the page was rendered with
 */
function sealPage(html, policy) {
  const nonce = /'nonce-([A-Za-z0-9+/=_-]+)'/.exec(policy)?.[1];
  if (!nonce) return undefined;
  const nonceAttribute = new RegExp(
    `\\s+nonce=(?:"${escapeRegExp(nonce)}"|${escapeRegExp(nonce)})(?=[\\s>/]|$)`,
    'g',
  );
  const hasNonce = (attributes) => attributes.search(nonceAttribute) >= 0;
  const scripts = new Set();
  const styles = new Set();
  const seal = (kind, hashes) => (element, attributes, body) => {
    if (!hasNonce(attributes)) return element;
    // Next.js repeats the nonce inside its inline data (for the tags React adds later); it
    // unlocks nothing any more, so it goes too, before the hash is taken.
    const code = body.split(nonce).join('');
    // A script with src is a file from 'self'; only inline code needs its hash.
    if (kind === 'style' || !/\ssrc=/.test(attributes)) hashes.add(sha256(code));
    return `<${kind}${attributes.replace(nonceAttribute, '')}>${code}</${kind}>`;
  };
  let sealed = html
    .replace(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/g, (e, a = '', b) =>
      seal('script', scripts)(e, a, b),
    )
    .replace(/<style(\s[^>]*)?>([\s\S]*?)<\/style>/g, (e, a = '', b) =>
      seal('style', styles)(e, a, b),
    );
  // Preload links and the like: the nonce has no use left on them.
  sealed = sealed.replace(nonceAttribute, '');
  // Anywhere else it would be in markup Next.js did not mark as its own: not shared.
  if (sealed.includes(nonce)) return undefined;
  const directives = policy
    .split(';')
    .map((d) => d.trim())
    .filter(Boolean);
  const rewritten = directives.map((directive) => {
    const [name, ...sources] = directive.split(/\s+/);
    if (name !== 'script-src' && name !== 'style-src') return directive;
    const kept = sources.filter((s) => !s.startsWith("'nonce-") && s !== "'strict-dynamic'");
    return [name, ...kept, ...(name === 'script-src' ? scripts : styles)].join(' ');
  });
  return { html: sealed, policy: rewritten.join('; ') };
}

/** True when the client takes gzip (`gzip;q=0` is a refusal). */
function acceptsGzip(header) {
  if (!header) return false;
  return String(header)
    .split(',')
    .some((part) => {
      const [coding = '', ...params] = part.trim().toLowerCase().split(';');
      if (coding.trim() !== 'gzip') return false;
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return q === undefined || Number(q.slice(2)) > 0;
    });
}

function matchesEtag(header, etag) {
  if (!header) return false;
  const opaque = (tag) => tag.trim().replace(/^W\//, '');
  return String(header)
    .split(',')
    .some((tag) => opaque(tag) === opaque(etag));
}

/**
 * Runs Next.js's handler for a cacheable request with the response held back, then sends
 * the sealed page with the gateway's cache headers (see infra/src/gateway/micro-cache.ts):
 * kept at most until the end of the second the render finished in; browsers revalidate
 * every time (ETag, 304). A page that is not a plain 200 HTML page, sets a cookie or cannot
 * be sealed goes out exactly as rendered, and is not kept.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<void>} handle
 * @param {() => number} [now]
 */
async function serveAnonymousPage(req, res, handle, now = Date.now) {
  const gzip = acceptsGzip(req.headers['accept-encoding']);
  // Next.js renders uncompressed; the sealed page is compressed once, here.
  delete req.headers['accept-encoding'];
  const original = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  };
  const chunks = [];
  let finished;
  const done = new Promise((resolve) => (finished = resolve));
  const collect = (chunk, encoding) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function')
      chunks.push(
        Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8'),
      );
  };
  res.writeHead = function (status, reason, headers) {
    res.statusCode = status;
    const fields = typeof reason === 'string' ? headers : reason;
    if (Array.isArray(fields))
      for (let i = 0; i + 1 < fields.length; i += 2) res.setHeader(fields[i], fields[i + 1]);
    else if (fields)
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) res.setHeader(k, v);
    return res;
  };
  res.flushHeaders = () => {};
  res.write = (chunk, encoding, callback) => {
    collect(chunk, encoding);
    const cb = typeof encoding === 'function' ? encoding : callback;
    if (cb) process.nextTick(cb);
    return true;
  };
  res.end = (chunk, encoding, callback) => {
    collect(chunk, encoding);
    finished();
    const cb = [chunk, encoding, callback].find((x) => typeof x === 'function');
    if (cb) process.nextTick(cb);
    return res;
  };
  await handle(req, res);
  await done;
  Object.assign(res, original);
  // The second the page was finished in, not begun in: a render slower than what is left of
  // its second (a busy machine) must still give the gateway something it may keep.
  const second = Math.floor(now() / 1000);

  const body = Buffer.concat(chunks);
  const policy = res.getHeader('content-security-policy');
  const type = String(res.getHeader('content-type') ?? '');
  const sealed =
    res.statusCode === 200 &&
    type.startsWith('text/html') &&
    !res.hasHeader('set-cookie') &&
    typeof policy === 'string'
      ? sealPage(body.toString('utf8'), policy)
      : undefined;
  if (!sealed) {
    res.setHeader('content-length', body.length);
    res.end(body);
    return;
  }
  // Next.js also names the nonce in its Link preload header.
  const nonce = /'nonce-([A-Za-z0-9+/=_-]+)'/.exec(policy)?.[1] ?? '';
  const link = res.getHeader('link');
  if (link !== undefined)
    res.setHeader(
      'link',
      String(link).replace(new RegExp(`;\\s*nonce="?${escapeRegExp(nonce)}"?`, 'g'), ''),
    );
  res.setHeader('content-security-policy', sealed.policy);
  const leaks = Object.entries(res.getHeaders()).some(([, v]) => String(v).includes(nonce));
  if (leaks) throw new Error('a sealed page still names its nonce in a header');
  const html = Buffer.from(sealed.html, 'utf8');
  const etag = `W/"${createHash('sha1').update(html).digest('base64url')}"`;
  res.setHeader('cache-control', 'public, no-cache');
  res.setHeader('etag', etag);
  res.setHeader('vary', 'Accept-Encoding');
  res.setHeader('x-accel-expires', `@${second}`);
  if (matchesEtag(req.headers['if-none-match'], etag)) {
    res.statusCode = 304;
    res.removeHeader('content-type');
    res.end();
    return;
  }
  const out = gzip ? gzipSync(html, { level: 6 }) : html;
  if (gzip) res.setHeader('content-encoding', 'gzip');
  res.setHeader('content-length', out.length);
  res.end(out);
}

module.exports = { isCacheableRequest, sealPage, serveAnonymousPage, acceptsGzip };
