import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { runWithContext } from '../context/request-context';
import type { Metrics } from './metrics';

declare module 'express-serve-static-core' {
  interface Request {
    /** From the gateway's `x-request-id` when well-formed, otherwise generated here. */
    id: string;
  }
}

/**
 * Headers for a JSON API behind one origin: nosniff, HSTS (browsers honour it over HTTPS
 * only), no framing, no referrer, and a CSP that lets a response load nothing, so a JSON
 * or SVG answer opened directly can never run script.
 */
const securityHeaderPolicy = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  referrerPolicy: { policy: 'no-referrer' },
});

/**
 * The policy above yields the same headers for every request (no nonces), so helmet runs
 * once at start-up against a recording response and each request only copies the list:
 * running helmet's middleware chain per request cost more than the answer on hot routes.
 */
function renderSecurityHeaders(): ReadonlyArray<readonly [string, string]> {
  const recorded: Array<readonly [string, string]> = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      recorded.push([name, Array.isArray(value) ? value.join(', ') : String(value)]);
      return recorder;
    },
    removeHeader() {},
  };
  let finished = false;
  securityHeaderPolicy(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error;
      finished = true;
    },
  );
  // A helmet that went asynchronous would leave the list incomplete: refuse to start.
  if (!finished || recorded.length === 0) throw new Error('security headers did not render');
  return recorded;
}

const REQUEST_ID = /^[\w-]{1,100}$/;
const UNLOGGED = /^\/(healthz|readyz|metrics)/;

/** The matched route pattern keeps metric labels bounded (ids are never labels). */
function routeLabel(req: Request): string {
  return req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
}

/**
 * What every request goes through before routing, in one step: its id (echoed as
 * `x-request-id`), the security headers, a request context that logs, RPC headers and
 * outbox rows read the id from, and at the end one access-log line and one histogram
 * observation. One listener per request instead of a logger child, a helmet chain and a
 * timer closure each (docs/benchmarks.md, "The shared HTTP stack", has what it saved and
 * what it did not).
 */
export function requestLifecycle(logger: Logger, metrics: Metrics): RequestHandler {
  const headers = renderSecurityHeaders();
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader('x-request-id', id);
    for (const [name, value] of headers) res.setHeader(name, value);
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.statusCode;
      const url = req.originalUrl;
      const line = { requestId: id, req: { method: req.method, url }, res: { statusCode: status } };
      // An event stream ends when the fan leaves: no failure, and its hours-long life is no
      // response time, so it stays out of the latency histogram.
      if (!res.writableFinished) {
        logger.info(line, 'request closed before its answer ended');
        return;
      }
      metrics.observeHttp(req.method, routeLabel(req), status, seconds);
      if (UNLOGGED.test(url)) return;
      const timed = { ...line, responseTime: Math.round(seconds * 1e4) / 10 };
      // A refused request is the client's business (info); only our own failures are errors.
      if (status >= 500) logger.error(timed, 'request failed');
      else logger.info(timed, 'request completed');
    });
    runWithContext({ requestId: id }, next);
  };
}
