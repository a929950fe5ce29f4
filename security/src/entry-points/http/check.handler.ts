import type {
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import type { Logger } from 'pino';
import { Histogram, type Registry } from 'prom-client';
import {
  CHECK_PATH,
  routePolicyName,
  SECURITY_HEADERS as H,
  tokenFromRequest,
  type CurrentUser,
  type HotPathHandler,
  type RoutePolicyName,
  type TokenVerifier,
} from '@ticketaka/common';
import type { Verdicts } from '../../domain/decide-verdict.use-case';
import type { Verdict } from '../../domain/verdict';
import { refusalAnswer, type IngressRefusals } from './ingress-refusals';
import { rememberVerifiedTokens } from './verified-tokens';

const header = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.slice(0, 2000);

const policies = new Set<string>(routePolicyName.options);

/**
 * `?policy=<name>`; anything else (missing, unknown, repeated) is read as `browse`.
 * `&gateway=ingress` when ingress-nginx asks (the Ingress's auth-url says so).
 */
function queryOf(url: string): { policy: RoutePolicyName; ingress: boolean } {
  const query = url.indexOf('?');
  if (query < 0) return { policy: 'browse', ingress: false };
  const params = new URLSearchParams(url.slice(query + 1));
  const value = params.getAll('policy');
  const policy =
    value.length === 1 && policies.has(value[0] ?? '') ? (value[0] as RoutePolicyName) : 'browse';
  return { policy, ingress: params.get('gateway') === 'ingress' };
}

/**
 * The gateway's subrequest (nginx auth_request, ingress-nginx auth-url), answered by plain
 * node:http ahead of Express: at 2,000 checks a second Express's routing, response helpers
 * and the allocations they make were most of the check's own CPU time and the cause of its
 * latency tail (security/README.md, "Speed"). nginx only understands 2xx and 401/403 from
 * it, so every refusal is a 403 whose X-Security-Verdict header says which; the gateway
 * turns it into 429 / 403 / 428 for the client (infra/src/gateway/nginx-config.ts). The body
 * repeats the contract's shape for gateways that pass it through.
 */
export function checkHandler(deps: {
  verdicts: Verdicts;
  verifier: TokenVerifier;
  logger: Logger;
  registry: Registry;
  ingress: IngressRefusals;
}): HotPathHandler {
  const { verdicts } = deps;
  // The gateway gives up after 50 ms: this shows how often the service itself is the cause.
  const duration = new Histogram({
    name: 'security_check_duration_seconds',
    help: 'Time to decide a gateway check, by verdict',
    labelNames: ['verdict'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [deps.registry],
  });
  // The account, from the same verified token the services will see (signature, expiry,
  // revocation); a bad, expired or revoked token is no account.
  const verified = rememberVerifiedTokens(deps.verifier, { ttlMs: 2000, max: 10_000 });
  const userOf = async (headers: IncomingHttpHeaders): Promise<CurrentUser | null> => {
    const { token } = tokenFromRequest({
      authorization: header(headers.authorization),
      cookie: header(headers.cookie),
    });
    return token ? verified(token) : null;
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const end = duration.startTimer();
    try {
      const h = req.headers;
      const query = queryOf(req.url ?? '');
      const { verdict, reference, loadTest } = await verdicts.check({
        // Set by the gateway from its own real_ip handling; a client's header never gets here
        // (the gateway overwrites it), and this route is not routed publicly.
        ip: header(h['x-real-ip']) ?? req.socket.remoteAddress ?? '',
        method: (header(h['x-original-method']) ?? 'GET').toUpperCase(),
        path: originalPath(h),
        policy: query.policy,
        user: await userOf(h),
        headers: {
          'user-agent': header(h['user-agent']),
          accept: header(h.accept),
          'accept-language': header(h['accept-language']),
          'sec-fetch-mode': header(h['sec-fetch-mode']),
          'sec-ch-ua': header(h['sec-ch-ua']),
        },
        altcha: header(h[H.altcha]),
      });
      if (query.ingress && verdict.kind !== 'allow') {
        await deps.ingress.keep(header(h['x-request-id']), refusalAnswer(verdict, reference ?? ''));
        send(res, 500, { [H.verdict]: verdict.kind, 'cache-control': 'no-store' });
      } else answer(res, verdict, reference, loadTest);
      end({ verdict: verdict.kind });
    } catch (error) {
      end({ verdict: 'error' });
      // A 5xx makes the gateway apply the route's fail mode (open or closed).
      deps.logger.error({ err: error }, 'security check failed');
      send(res, 500, {}, { errors: [{ code: 'internal', message: 'check failed' }] });
    }
  }

  return (req, res) => {
    if (deps.ingress.handles(req)) {
      deps.ingress.answer(req, res).catch((error: unknown) => {
        deps.logger.error({ err: error }, 'ingress refusal not answered');
        send(res, 500, {}, { errors: [{ code: 'internal', message: 'check failed' }] });
      });
      return true;
    }
    const url = req.url ?? '';
    if (url !== CHECK_PATH && !url.startsWith(`${CHECK_PATH}?`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    // nginx sends no body with the subrequest; node:http discards any that comes unread.
    void handle(req, res);
    return true;
  };
}

/** nginx sends X-Original-URI (path); ingress-nginx sends X-Original-URL (whole URL). */
function originalPath(headers: IncomingHttpHeaders): string {
  const uri = header(headers['x-original-uri']);
  if (uri) return uri.split('?')[0] ?? '/';
  const url = header(headers['x-original-url']);
  if (!url) return '/';
  try {
    return new URL(url).pathname;
  } catch {
    return '/';
  }
}

/** Head and body in one write: one syscall per answer. */
function send(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body?: unknown) {
  if (res.headersSent) return void res.end();
  if (body === undefined) {
    res.writeHead(status, headers);
    return void res.end();
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function answer(
  res: ServerResponse,
  verdict: Verdict,
  reference: string | undefined,
  loadTest: boolean,
) {
  const headers: OutgoingHttpHeaders = { [H.verdict]: verdict.kind, 'cache-control': 'no-store' };
  // For the gateway's log and for tests: this verdict was reached under the load-test
  // allowance (the client never sees the check's headers).
  if (loadTest) headers['x-security-allowance'] = 'load-test';
  if (verdict.kind === 'allow') return send(res, 204, headers);
  if (reference) headers[H.reference] = reference;
  switch (verdict.kind) {
    case 'rate_limited':
      headers[H.retryAfter] = String(verdict.retryAfterSeconds);
      headers[H.rateLimitPolicy] = verdict.policyHeader;
      headers[H.rateLimit] = verdict.limitHeader;
      return send(res, 403, headers, {
        errors: [{ code: 'rate_limited', message: 'Too many requests, try again later' }],
      });
    case 'blocked':
      return send(res, 403, headers, {
        errors: [{ code: 'blocked', message: 'This request was refused', reference }],
      });
    case 'challenge':
      return send(res, 403, headers, {
        errors: [{ code: 'challenge_required', message: 'Please complete the challenge' }],
        challenge: { url: '/api/security/challenge' },
      });
    default: {
      const never: never = verdict;
      throw new Error(`unknown verdict ${JSON.stringify(never)}`);
    }
  }
}
