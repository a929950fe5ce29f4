import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';
import { Histogram, type Registry } from 'prom-client';
import {
  CHECK_PATH,
  routePolicyName,
  SECURITY_HEADERS as H,
  tokenFromRequest,
  type CurrentUser,
  type RoutePolicyName,
  type TokenVerifier,
} from '@ticketaka/common';
import type { Verdicts } from '../../domain/decide-verdict.use-case';
import type { Verdict } from '../../domain/verdict';

const header = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.slice(0, 2000);

const policyQuery = z.object({ policy: routePolicyName.default('browse') });

/**
 * The gateway's subrequest (nginx auth_request, ingress-nginx auth-url). nginx only
 * understands 2xx and 401/403 from it, so every refusal is a 403 whose X-Security-Verdict
 * header says which; the gateway turns it into 429 / 403 / 428 for the client
 * (infra/src/gateway/nginx-config.ts). The body repeats the contract's shape for
 * gateways that pass it through.
 */
export function checkRouter(deps: {
  verdicts: Verdicts;
  verifier: TokenVerifier;
  logger: Logger;
  registry: Registry;
}): Router {
  const { verdicts } = deps;
  // The gateway gives up after 50 ms: this shows how often the service itself is the cause.
  const duration = new Histogram({
    name: 'security_check_duration_seconds',
    help: 'Time to decide a gateway check, by verdict',
    labelNames: ['verdict'],
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [deps.registry],
  });
  const router = Router();
  // The account, from the same verified token the services will see (signature, expiry,
  // revocation); a bad, expired or revoked token is no account.
  const userOf = async (headers: { authorization?: string; cookie?: string }) => {
    const { token } = tokenFromRequest(headers);
    if (!token) return null;
    return deps.verifier.verify(token).then(
      (verified): CurrentUser => verified.user,
      () => null,
    );
  };
  router.get(CHECK_PATH, async (req, res) => {
    const end = duration.startTimer();
    try {
      const parsed = policyQuery.safeParse(req.query);
      const policy: RoutePolicyName = parsed.success ? parsed.data.policy : 'browse';
      const { verdict, reference, loadTest } = await verdicts.check({
        // Set by the gateway from its own real_ip handling; a client's header never gets here
        // (the gateway overwrites it), and this route is not routed publicly.
        ip: header(req.headers['x-real-ip']) ?? req.socket.remoteAddress ?? '',
        method: (header(req.headers['x-original-method']) ?? 'GET').toUpperCase(),
        path: originalPath(req.headers),
        policy,
        user: await userOf(req.headers),
        headers: {
          'user-agent': header(req.headers['user-agent']),
          accept: header(req.headers.accept),
          'accept-language': header(req.headers['accept-language']),
          'sec-fetch-mode': header(req.headers['sec-fetch-mode']),
          'sec-ch-ua': header(req.headers['sec-ch-ua']),
        },
        altcha: header(req.headers[H.altcha]),
      });
      // For the gateway's log and for tests: this verdict was reached under the load-test
      // allowance (the client never sees the check's headers).
      if (loadTest) res.setHeader('x-security-allowance', 'load-test');
      answer(res, verdict, reference);
      end({ verdict: verdict.kind });
    } catch (error) {
      end({ verdict: 'error' });
      // Mounted ahead of the shared error handler. A 5xx makes the gateway apply the
      // route's fail mode (open or closed).
      deps.logger.error({ err: error }, 'security check failed');
      res.status(500).json({ errors: [{ code: 'internal', message: 'check failed' }] });
    }
  });
  return router;
}

/** nginx sends X-Original-URI (path); ingress-nginx sends X-Original-URL (whole URL). */
function originalPath(headers: Record<string, string | string[] | undefined>): string {
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

function answer(res: Response, verdict: Verdict, reference: string | undefined) {
  res.setHeader(H.verdict, verdict.kind);
  res.setHeader('cache-control', 'no-store');
  if (verdict.kind === 'allow') return void res.status(204).end();
  if (reference) res.setHeader(H.reference, reference);
  switch (verdict.kind) {
    case 'rate_limited':
      res.setHeader(H.retryAfter, String(verdict.retryAfterSeconds));
      res.setHeader(H.rateLimitPolicy, verdict.policyHeader);
      res.setHeader(H.rateLimit, verdict.limitHeader);
      return void res.status(403).json({
        errors: [{ code: 'rate_limited', message: 'Too many requests, try again later' }],
      });
    case 'blocked':
      return void res.status(403).json({
        errors: [{ code: 'blocked', message: 'This request was refused', reference }],
      });
    case 'challenge':
      return void res.status(403).json({
        errors: [{ code: 'challenge_required', message: 'Please complete the challenge' }],
        challenge: { url: '/api/security/challenge' },
      });
    default: {
      const never: never = verdict;
      throw new Error(`unknown verdict ${JSON.stringify(never)}`);
    }
  }
}
