import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type Redis from 'ioredis';
import { refusalAnswers, SECURITY_HEADERS as H } from '@ticketaka/common';
import type { Verdict } from '../../domain/verdict';

/**
 * The contract's refusals through ingress-nginx, without snippet annotations.
 *
 * ingress-nginx's `auth-url` passes a 2xx, 401 or 403 from the check to the client as is (a
 * bare 403 page) and turns any other status into a 500. Each checked Ingress therefore also
 * carries `custom-http-errors: 500` and `default-backend: security`, so such a 500 is
 * re-asked from this service (at `/`, with `X-Code` and the same `X-Request-ID` the check
 * saw; infra/src/gateway/ingress.ts). The check, asked with `gateway=ingress`, stores its
 * refusal under the request id for a minute and answers 500; the error request then gets
 * the very status, headers and JSON body the local gateway gives (429 + Retry-After +
 * RateLimit-*, 428 + challenge, 403 + reference). A 500 with no stored refusal is a
 * service's own failure, answered as every service answers one.
 */
const KEEP_SECONDS = 60;
const requestId = /^[A-Za-z0-9_-]{8,100}$/;

interface StoredRefusal {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export function refusalAnswer(verdict: Exclude<Verdict, { kind: 'allow' }>, reference: string) {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  switch (verdict.kind) {
    case 'rate_limited':
      headers[H.retryAfter] = String(verdict.retryAfterSeconds);
      headers[H.rateLimitPolicy] = verdict.policyHeader;
      headers[H.rateLimit] = verdict.limitHeader;
      return { status: 429, headers, body: refusalAnswers.rate_limited.body() };
    case 'challenge':
      return { status: 428, headers, body: refusalAnswers.challenge.body() };
    case 'blocked':
      return { status: 403, headers, body: refusalAnswers.blocked.body(reference) };
    default: {
      const never: never = verdict;
      throw new Error(`unknown verdict ${JSON.stringify(never)}`);
    }
  }
}

export function ingressRefusals(redis: Redis, prefix: string) {
  const key = (id: string) => `${prefix}:ingress-refusal:${id}`;
  return {
    /** Kept before the check answers, so the error request that follows always finds it. */
    async keep(id: string | undefined, answer: StoredRefusal): Promise<void> {
      if (!id || !requestId.test(id)) return;
      await redis.set(key(id), JSON.stringify(answer), 'EX', KEEP_SECONDS);
    },

    /** ingress-nginx's custom-error request for this service (`/` with X-Code); false if not one. */
    handles(req: IncomingMessage): boolean {
      return req.url === '/' && typeof req.headers['x-code'] === 'string';
    },

    async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const id = req.headers['x-request-id'];
      const stored =
        typeof id === 'string' && requestId.test(id) ? await redis.getdel(key(id)) : null;
      const answer: StoredRefusal = stored
        ? (JSON.parse(stored) as StoredRefusal)
        : {
            status: 500,
            headers: {},
            body: { errors: [{ message: 'Something went wrong on our side', code: 'internal' }] },
          };
      const text = JSON.stringify(answer.body);
      const headers: OutgoingHttpHeaders = {
        ...answer.headers,
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      };
      res.writeHead(answer.status, headers);
      res.end(text);
    },
  };
}

export type IngressRefusals = ReturnType<typeof ingressRefusals>;
